from django.urls import path

from fascia.records import views

app_name = "records"

urlpatterns = [path("verify/", views.verify_page, name="verify")]
