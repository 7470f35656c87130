from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TechniquesConfig(AppConfig):
    name = "fascia.techniques"
    label = "techniques"

    def ready(self) -> None:
        from fascia.techniques.models import ensure_default_techniques

        post_migrate.connect(ensure_default_techniques, sender=self, dispatch_uid="fascia.techniques.defaults")
