from django.urls import path

from fascia.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.day, name="day"),
    path("week/", views.week, name="week"),
    path("book/", views.book, name="book"),
    path("book/patients/", views.patient_picker, name="patient_picker"),
    path("free/", views.free_slots, name="free"),
    path("waitlist/", views.waitlist, name="waitlist"),
    path("online-booking/", views.online_booking, name="online_booking"),
    path("waitlist/<uuid:entry_id>/resolve/", views.waitlist_resolve, name="waitlist_resolve"),
    path("<uuid:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("<uuid:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    path("<uuid:appointment_id>/drop/", views.drop, name="drop"),  # before <slug:step>, which "drop" would match
    path("<uuid:appointment_id>/<slug:step>/", views.move, name="move"),
]
