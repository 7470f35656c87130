from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "fascia.patients"
    label = "patients"
