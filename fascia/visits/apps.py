from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "fascia.visits"
    label = "visits"

    def ready(self) -> None:
        from fascia.audit.models import AuditAction
        from fascia.core import roles
        from fascia.patients import chart
        from fascia.records import chain
        from fascia.visits.models import NoteAddendum, VisitNote
        from fascia.visits.queries import chart_context, note_content, questionnaire_context

        chain.register(
            "visit-note",
            VisitNote,
            note_content,
            prefetch=("techniques", "measures"),
            signed_action=AuditAction.NOTE_SIGNED,
        )
        chain.register("visit-addendum", NoteAddendum, chain.fields_of)
        chart.register(
            order=40,
            title="Visit notes",
            template="visits/_chart_section.html",
            permission=roles.VIEW_NOTE,
            context=chart_context,
        )
        chart.register(
            order=25,
            title="Questionnaires due",
            template="visits/_questionnaire_section.html",
            permission=roles.VIEW_PLAN,
            context=questionnaire_context,
        )
