from django.urls import path

from fascia.visits import views

app_name = "visits"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("start/<uuid:patient_id>/", views.start, name="start"),
    path("patient/<uuid:patient_id>/", views.patient_notes, name="patient_notes"),
    path("appointment/<uuid:appointment_id>/", views.for_appointment, name="for_appointment"),
    path("<uuid:note_id>/", views.detail, name="detail"),
    path("<uuid:note_id>/edit/", views.edit, name="edit"),
    path("<uuid:note_id>/minutes/", views.minutes, name="minutes"),
    path("<uuid:note_id>/template/", views.template, name="template"),
    path("<uuid:note_id>/sign/", views.sign, name="sign"),
    path("<uuid:note_id>/addenda/", views.addendum, name="addendum"),
    path("<uuid:note_id>/measures/", views.measure, name="measure"),
]
