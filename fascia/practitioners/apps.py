from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "fascia.practitioners"
    label = "practitioners"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from fascia.core.models import Organization
        from fascia.practitioners.models import new_organization_requirements

        post_save.connect(
            new_organization_requirements, sender=Organization, dispatch_uid="fascia.practitioners.new_organization"
        )
