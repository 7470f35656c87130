from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "fascia.plans"
    label = "plans"
    verbose_name = "Treatment plans"

    def ready(self) -> None:
        from fascia.core import roles
        from fascia.patients import chart
        from fascia.plans.queries import chart_context, outcome_chart_context

        chart.register(
            order=20,
            title="Treatment plans",
            template="plans/_chart_section.html",
            permission=roles.VIEW_PLAN,
            context=chart_context,
        )
        chart.register(
            order=15,
            title="Outcome scores against goals",
            template="plans/_outcome_chart_section.html",
            permission=roles.VIEW_PLAN,
            context=outcome_chart_context,
        )
