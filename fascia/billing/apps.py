from django.apps import AppConfig
from django.db.models.signals import post_save


class BillingConfig(AppConfig):
    name = "fascia.billing"
    label = "billing"

    def ready(self) -> None:
        from fascia.billing.claims.services import note_signed
        from fascia.billing.models import add_default_ncci_pairs
        from fascia.billing.queries import authorization_limits, chart_context
        from fascia.billing.scrubber import coverage_question, documentation_warnings
        from fascia.core import roles
        from fascia.core.models import Organization
        from fascia.patients import chart
        from fascia.scheduling import limits
        from fascia.visits import signals, warnings

        signals.note_signed.connect(note_signed, dispatch_uid="fascia.billing.note_signed")
        post_save.connect(add_default_ncci_pairs, sender=Organization, dispatch_uid="fascia.billing.ncci_pairs")
        # The claim's problems a note can show before it is signed (issue 24 point 9).
        warnings.register("billing", documentation_warnings, asking=coverage_question)

        # Booking past an authorization's visits or dates asks for confirmation (issue 26 point 2).
        limits.register("authorization", authorization_limits)

        chart.register(
            order=50,
            title="Insurance and billing",
            template="billing/_chart_section.html",
            permission=roles.VIEW_COVERAGE,
            context=chart_context,
        )
