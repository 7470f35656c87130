from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class TechniquesConfig(AppConfig):
    name = "fascia.techniques"
    label = "techniques"

    def ready(self) -> None:
        from fascia.core.models import Organization
        from fascia.patients.medications import register_classifier
        from fascia.techniques.drugs import classify
        from fascia.techniques.models import ensure_default_techniques, new_organization_catalog

        register_classifier(classify)  # a medication's flags are derived from its name (patients.medications)

        post_migrate.connect(ensure_default_techniques, sender=self, dispatch_uid="fascia.techniques.defaults")
        post_save.connect(
            new_organization_catalog, sender=Organization, dispatch_uid="fascia.techniques.new_organization"
        )
