from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "fascia.patients"
    label = "patients"

    def ready(self) -> None:
        from fascia.notifications.services import register_consent
        from fascia.patients.models import Patient
        from fascia.patients.queries import allows_messages

        register_consent(Patient, allows_messages)
