from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "fascia.patients"
    label = "patients"

    def ready(self) -> None:
        from fascia.core import roles
        from fascia.notifications.services import register_consent
        from fascia.patients import accounts, chart
        from fascia.patients.models import Patient
        from fascia.patients.queries import allows_messages

        register_consent(Patient, allows_messages)
        chart.register(
            order=60,
            title="Patient portal",
            template="patients/_portal_section.html",
            permission=roles.VIEW_PATIENT,
            context=accounts.chart_context,
        )
