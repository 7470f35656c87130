from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SchedulingConfig(AppConfig):
    name = "fascia.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from fascia.core import roles
        from fascia.patients import chart
        from fascia.scheduling.models import ensure_default_types
        from fascia.scheduling.queries import chart_context

        post_migrate.connect(ensure_default_types, sender=self, dispatch_uid="fascia.scheduling.default_types")
        chart.register(
            order=5,
            title="Appointments",
            template="scheduling/_chart_section.html",
            permission=roles.VIEW_APPOINTMENT,
            context=chart_context,
        )
