from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "fascia.evaluations"
    label = "evaluations"

    def ready(self) -> None:
        from fascia.core import roles
        from fascia.evaluations.queries import chart_context
        from fascia.patients import chart

        chart.register(
            chart.ChartSection(
                order=10,
                title="Evaluations",
                template="evaluations/_chart_section.html",
                permission=roles.VIEW_EVALUATION,
                context=chart_context,
            )
        )
