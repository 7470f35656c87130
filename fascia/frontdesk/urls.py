from django.urls import path

from fascia.frontdesk import views

app_name = "frontdesk"

urlpatterns = [
    path("", views.today, name="today"),
    path("<uuid:appointment_id>/<slug:step>/", views.move, name="move"),
]
