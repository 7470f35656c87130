from django.urls import path

from fascia.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.metadata, name="base"),  # the service base; GET answers the CapabilityStatement too
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient_search"),
    path("Patient/<str:id>", views.patient_read, name="patient_read"),
]
