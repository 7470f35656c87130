from django.urls import path

from fascia.fhir import views

app_name = "fhir"

# The resource types come from views.SERVED: an unknown one answers an OperationOutcome.
urlpatterns = [
    path("", views.metadata, name="base"),  # the service base; GET answers the CapabilityStatement too
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<str:id>/$everything", views.everything, name="everything"),
    path("<str:type>", views.search_type, name="search"),
    path("<str:type>/<str:id>", views.read, name="read"),
]
