from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "fascia.evaluations"
    label = "evaluations"

    def ready(self) -> None:
        from fascia.audit.models import AuditAction
        from fascia.core import roles
        from fascia.evaluations.models import Addendum, Evaluation
        from fascia.evaluations.queries import chart_context, evaluation_content
        from fascia.patients import chart
        from fascia.records import chain

        chain.register(
            "evaluation",
            Evaluation,
            evaluation_content,
            prefetch=("diagnoses", "measures"),
            signed_action=AuditAction.EVALUATION_SIGNED,
        )
        chain.register("evaluation-addendum", Addendum, chain.fields_of)

        chart.register(
            order=10,
            title="Evaluations",
            template="evaluations/_chart_section.html",
            permission=roles.VIEW_EVALUATION,
            context=chart_context,
        )
