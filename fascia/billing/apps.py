from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fascia.billing"
    label = "billing"

    def ready(self) -> None:
        from fascia.billing.claims.services import note_signed
        from fascia.billing.queries import chart_context
        from fascia.billing.scrubber import documentation_warnings
        from fascia.core import roles
        from fascia.patients import chart
        from fascia.visits import signals, warnings

        signals.note_signed.connect(note_signed, dispatch_uid="fascia.billing.note_signed")
        # The claim's problems a note can show before it is signed (issue 24 point 9).
        warnings.register("billing", documentation_warnings)

        chart.register(
            order=50,
            title="Insurance and billing",
            template="billing/_chart_section.html",
            permission=roles.VIEW_COVERAGE,
            context=chart_context,
        )
