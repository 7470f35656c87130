from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SchedulingConfig(AppConfig):
    name = "fascia.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from fascia.scheduling.models import ensure_default_types

        post_migrate.connect(ensure_default_types, sender=self, dispatch_uid="fascia.scheduling.default_types")
