from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "fascia.practitioners"
    label = "practitioners"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fascia.practitioners.models import ensure_default_requirements

        post_migrate.connect(ensure_default_requirements, sender=self, dispatch_uid="fascia.practitioners.requirements")
