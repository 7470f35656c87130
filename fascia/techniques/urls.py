from django.urls import path

from fascia.techniques import views

app_name = "techniques"

urlpatterns = [path("", views.catalog, name="catalog")]
