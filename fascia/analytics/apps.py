from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AnalyticsConfig(AppConfig):
    """Outcome evidence and practice dashboards (issue 28): it reads measures, plans, visits, scheduling and
    billing, so it sits above them all (the `layers` import contract)."""

    name = "fascia.analytics"
    label = "analytics"

    def ready(self) -> None:
        # The apps below know nothing of analytics: their saves reach the episodes through signals. Each receiver
        # asks for a refresh once the writing transaction commits (transaction.on_commit), so the episode reads
        # the note, its minutes and its measures as committed, and a fault in the summary never undoes a signature.
        from fascia.analytics import dashboards, outcomes, snapshots
        from fascia.analytics.episodes import measure_saved, note_saved, plan_saved
        from fascia.analytics.services import new_organization_groups
        from fascia.core.models import Organization
        from fascia.measures.models import MeasureResult
        from fascia.plans.models import TreatmentPlan
        from fascia.visits.models import VisitNote

        post_save.connect(note_saved, sender=VisitNote, dispatch_uid="fascia.analytics.note")
        post_save.connect(measure_saved, sender=MeasureResult, dispatch_uid="fascia.analytics.measure")
        post_delete.connect(measure_saved, sender=MeasureResult, dispatch_uid="fascia.analytics.measure_deleted")
        post_save.connect(plan_saved, sender=TreatmentPlan, dispatch_uid="fascia.analytics.plan")
        post_save.connect(
            new_organization_groups, sender=Organization, dispatch_uid="fascia.analytics.new_organization"
        )
        # The pages whose figures are kept in snapshots, and the functions that count and render them.
        snapshots.BUILDERS.update(
            outcomes=outcomes.build, practice=dashboards.build_practice, finances=dashboards.build_finances
        )
