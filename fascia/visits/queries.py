from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from fascia.core import roles
from fascia.core.models import User
from fascia.evaluations.models import Evaluation
from fascia.evaluations.queries import red_flag_rows
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.plans.models import Goal, TreatmentPlan
from fascia.practitioners.models import Practitioner
from fascia.practitioners.queries import alerts as credential_alerts
from fascia.records.chain import values_of, vouched
from fascia.scheduling.models import Appointment
from fascia.scheduling.queries import day_bounds
from fascia.visits.minutes import MinuteSummary, summarize
from fascia.visits.models import VisitNote, VisitTechnique
from fascia.visits.progress import ProgressDue, progress_due
from fascia.visits.questionnaires import QuestionnaireDue, questionnaires_due

REPORT_KINDS = (VisitNote.Kind.PROGRESS, VisitNote.Kind.DISCHARGE)


def note_red_flags(note: VisitNote) -> list[QuerySet]:
    """The red-flag rows screening and signing read for a note (techniques' facts_for `also`): on a plan, those
    of the plan's evaluation and of every signed evaluation as new or newer (as the plan's activation reads);
    on no plan, those of every signed evaluation of the patient, as nothing says which one is its baseline."""
    since = Evaluation.objects.filter(plans=note.plan_id) if note.plan_id is not None else None
    return red_flag_rows(note.patient, since=since)


def notes_for_user(user: User) -> QuerySet[VisitNote]:
    """The notes of the user's organization the user may read (fascia.core.roles: billing reads only the signed
    notes on the organization's claims). A subquery, not a join: a note on two claims is one row, in one query."""
    notes = VisitNote.objects.filter(patient__organization_id=user.member_organization_id)
    if roles.reads_every_note(user):
        return notes
    on_claims = VisitNote.objects.filter(billed_on__claim__organization_id=user.member_organization_id)
    return notes.filter(status=VisitNote.Status.SIGNED, pk__in=on_claims.values("pk"))


def get_note_for_user(user: User, public_id: UUID | str, *, to_change: bool = False) -> VisitNote:
    """The note with this id that the user may read, or 404 (never another clinic's; a malformed id is no note
    either). `to_change`: the user is about to edit, change or sign it; another's draft is refused (403,
    fascia.core.roles.may_change_note). Not signed_by and copied_from: each joined table adds to PostgreSQL's
    planning, and those two are null or not shown on most pages."""
    try:
        note = (
            notes_for_user(user)
            .select_related("patient", "practitioner__user", "plan", "appointment")
            .get(public_id=public_id)
        )
    except (VisitNote.DoesNotExist, ValidationError) as e:
        raise Http404("No such visit note.") from e
    if to_change and not note.is_signed and not roles.may_change_note(user, note):
        raise PermissionDenied("Only the practitioner who treated the patient changes or signs this draft.")
    return note


class CopiedFrom(TypedDict):
    visited_on: date


def copied_from_day(note: VisitNote) -> CopiedFrom | None:
    """The day of the note a draft was copied from (`visited_on`), for the draft's form: its one column."""
    if note.copied_from_id is None:
        return None
    return VisitNote.objects.filter(pk=note.copied_from_id).values("visited_on").first()


def plan_goals(note: VisitNote) -> list[Goal]:
    """The goals of the note's plan, prefetched on the plan once: the form, the checks of a save and those
    of a signature share them."""
    plan = note.plan  # None, without a query, for a note of no plan
    if plan is None:
        return []
    prefetch_related_objects([plan], "goals")  # nothing read when the plan has them already
    return list(plan.goals.all())


def active_plans(patient: Any) -> QuerySet[TreatmentPlan]:
    """The patient's active plans (a patient, its id, or an OuterRef to it)."""
    return TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.ACTIVE)


def active_plan(patient: Patient) -> TreatmentPlan | None:
    return active_plans(patient).order_by("-version").first()


@dataclass(frozen=True)
class LastNote:
    """What copy-forward reads of the patient's last signed note."""

    pk: int
    public_id: UUID
    fields: dict[str, Any]  # by name
    techniques: list[dict[str, Any]]  # each technique's fields by name, in the order they were written


def last_signed_note(patient: Patient, fields: Iterable[str], technique_fields: Iterable[str]) -> LastNote | None:
    """The `fields` of the patient's last signed note and the `technique_fields` of its techniques, in one
    query: a row per technique with the note's columns joined to each (one row for a note with none)."""
    last = patient.visit_notes.filter(status=VisitNote.Status.SIGNED).order_by("-visited_on", "-id")
    fields, joined = list(fields), {f: f"techniques__{f}" for f in technique_fields}
    rows = list(
        VisitNote.objects.filter(pk=Subquery(last.values("pk")[:1]))
        .order_by("techniques__id")
        .values("pk", "public_id", "techniques__id", *fields, *joined.values())
    )
    if not rows:
        return None
    note = rows[0]
    techniques = [{f: row[column] for f, column in joined.items()} for row in rows if row["techniques__id"]]
    return LastNote(note["pk"], note["public_id"], {f: note[f] for f in fields}, techniques)


def plan_end(plan: TreatmentPlan) -> date:
    return plan.start_date + timedelta(weeks=plan.duration_weeks)


@dataclass(frozen=True)
class PlanStatus:
    visits_used: int  # signed visits since the plan started (a revised plan keeps its start date)
    progress_due: ProgressDue | None
    discharge_due: bool
    re_evaluation_due: bool
    ends_on: date

    @property
    def note_kind(self) -> str:
        """The kind of note a visit on the plan takes: a discharge summary, else a progress note, when due."""
        if self.discharge_due:
            return VisitNote.Kind.DISCHARGE
        return VisitNote.Kind.PROGRESS if self.progress_due else VisitNote.Kind.FOLLOW_UP


def status_from(plan: TreatmentPlan, signed: list[tuple[date, str]], today: date) -> PlanStatus:
    """Where the plan stands for a visit documented today, given the patient's signed notes as
    (date, kind), oldest first."""
    counted = [(day, kind) for day, kind in signed if day >= plan.start_date]
    reports = [day for day, kind in counted if kind in REPORT_KINDS]
    last_report = reports[-1] if reports else None
    visits_since = sum(1 for day, _ in counted if day > last_report) if last_report else len(counted)
    return PlanStatus(
        visits_used=len(counted),
        progress_due=progress_due(
            visits_since=visits_since, last_report=last_report, plan_start=plan.start_date, today=today
        ),
        discharge_due=len(counted) + 1 >= plan.planned_visits or today >= plan_end(plan),
        re_evaluation_due=plan.re_evaluation_due is not None and plan.re_evaluation_due <= today,
        ends_on=plan_end(plan),
    )


def _calls(statuses: Mapping[int, PlanStatus]) -> dict[int, tuple[bool, bool]]:
    """What questionnaire timings read of each plan's status: a progress report or re-evaluation due, discharge
    due."""
    return {pk: (bool(s.progress_due) or s.re_evaluation_due, s.discharge_due) for pk, s in statuses.items()}


def plan_calls(
    plans: Iterable[TreatmentPlan], visits: Mapping[int, list[tuple[date, str]]], today: date
) -> dict[int, tuple[bool, bool]]:
    """What questionnaire timings read of each plan's status (_calls), from its patient's signed visits."""
    return _calls({plan.pk: status_from(plan, visits[plan.patient_id], today) for plan in plans})


def questionnaire_context(patient: Patient, user: User) -> dict:
    """The chart's questionnaires: what the coming visit calls for on each active plan. Four queries (one with no
    active plan)."""
    plans = list(TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.ACTIVE).order_by("id"))
    can_send = user.has_perm(roles.SEND_QUESTIONNAIRE)
    if not plans:
        return {"plans": [], "has_active_plan": False, "can_send": can_send}
    visits = signed_visits([patient.pk], since=min(p.start_date for p in plans))
    statuses = {plan.pk: status_from(plan, visits[patient.pk], timezone.localdate()) for plan in plans}
    due = questionnaires_due(plans, visits=visits, status=_calls(statuses), today=timezone.localdate())
    rows: list[tuple[TreatmentPlan, list[QuestionnaireDue]]] = [(p, due[p.pk]) for p in plans if p.pk in due]
    return {"plans": rows, "has_active_plan": True, "can_send": can_send}


def signed_visits(patient_ids: list[int], *, since: date | None = None) -> dict[int, list[tuple[date, str]]]:
    """Each patient's signed notes as (date, kind), oldest first: one query for all of them.

    With `since`, only the notes from that day on (status_from() counts none before a plan starts)."""
    by_patient: dict[int, list[tuple[date, str]]] = {pk: [] for pk in patient_ids}
    rows = VisitNote.objects.filter(patient_id__in=patient_ids, status=VisitNote.Status.SIGNED).order_by(
        "visited_on", "id"
    )
    if since is not None:
        rows = rows.filter(visited_on__gte=since)
    for patient_id, day, kind in rows.values_list("patient_id", "visited_on", "kind"):
        by_patient[patient_id].append((day, kind))
    return by_patient


def plan_status(plan: TreatmentPlan, today: date) -> PlanStatus:
    return status_from(plan, signed_visits([plan.patient_id])[plan.patient_id], today)


def minute_summary(techniques: list[VisitTechnique]) -> MinuteSummary:
    return summarize([(t.technique.cpt_code, t.technique.timed, t.minutes) for t in techniques])


def note_content(
    note: VisitNote,
    *,
    techniques: Iterable[VisitTechnique] | None = None,
    measures: Iterable[MeasureResult] | None = None,
) -> dict[str, Any]:
    """What a signature on a note vouches for: its fields, techniques and measures (read through the note
    unless given).

    Sorted here rather than by the database, so rows prefetched for many notes serve too.
    """
    techniques = note.techniques.all() if techniques is None else techniques
    measures = note.measures.all() if measures is None else measures
    return note_content_from(values_of(note), map(values_of, techniques), map(values_of, measures))


def _vouched_technique(row: Mapping[str, Any]) -> dict:
    """A technique row as its note's signature vouches for it: a row moved to its organization's own catalog
    (techniques migration 0004) by the technique id it was signed with."""
    return {
        **vouched(row, exclude=("note_id", "former_technique_id")),
        "technique_id": row.get("former_technique_id") or row["technique_id"],
    }


def note_content_from(
    note: Mapping[str, Any], techniques: Iterable[Mapping[str, Any]], measures: Iterable[Mapping[str, Any]]
) -> dict:
    """`note_content` from the values by column of the note, its techniques and its measures (as `fascia seed`
    holds the rows it writes)."""
    content = vouched(note)
    # Today's local findings came after the first seals: hashed only when there are some, so those still verify.
    if not content.get("local_findings"):
        content.pop("local_findings", None)
    return {
        **content,
        "techniques": [_vouched_technique(t) for t in sorted(techniques, key=lambda t: t["id"])],
        # A measure's row once held its evaluation and note as columns; seals taken then hashed them, so the content
        # keeps both names.
        "measures": [
            {**vouched(m), "evaluation_id": None, "visit_note_id": note["id"]}
            for m in sorted(measures, key=lambda m: m["id"])
        ],
    }


CHART_NOTES = 10  # the chart shows the latest notes; the patient's notes page has them all


def notes_of(user: User, patient: Patient) -> QuerySet[VisitNote]:
    """The patient's notes the user may read, newest first, with what the lists show of them (_note_rows.html): two
    queries a page. Only those columns: a note with its practitioner and user is some sixty, and
    building the instances cost more than the queries."""
    return _note_rows(notes_for_user(user).filter(patient=patient)).prefetch_related(ROW_TECHNIQUES)


def _note_rows(notes: QuerySet[VisitNote]) -> QuerySet[VisitNote]:
    return notes.select_related("practitioner__user").only(
        "public_id",
        "visited_on",
        "kind",
        "status",
        "practitioner__credential_suffix",
        "practitioner__user__first_name",
        "practitioner__user__last_name",
        "practitioner__user__username",
    )


ROW_TECHNIQUES = Prefetch(
    "techniques", queryset=VisitTechnique.objects.select_related("technique").only("note", "minutes", "technique__name")
)


def chart_context(patient: Patient, user: User) -> dict:
    notes = list(notes_of(user, patient)[: CHART_NOTES + 1])
    return {
        "notes": notes[:CHART_NOTES],
        "more": len(notes) > CHART_NOTES,
        "can_start": user.has_perm("visits.add_visitnote") and hasattr(user, "practitioner"),
    }


def measures_of(note: VisitNote) -> list[MeasureResult]:
    return list(note.measures.order_by("instrument"))


# A referral is "running out" with this few visits left, or this close to its expiry; past it, it is expired.
REFERRAL_VISITS_LEFT = 2
REFERRAL_DAYS_LEFT = 14
PLAN_ENDING_DAYS = 14


# What the page shows of a patient: display_name and get_chart_url.
PATIENT_SHOWN = ("public_id", "family_name", "given_name", "preferred_name")


def _patient_shown(path: str) -> list[str]:
    return [f"{path}__{field}" for field in PATIENT_SHOWN]


def day_schedule(practitioner: Practitioner, day: date) -> QuerySet[Appointment]:
    start, end = day_bounds(day)
    return (
        Appointment.objects.filter(practitioner_id=practitioner.pk, start_at__gte=start, start_at__lt=end)
        .exclude(status=Appointment.Status.ENTERED_IN_ERROR)
        .select_related("patient", "location", "appointment_type", "note")
        .only(
            "public_id",
            "start_at",
            "status",
            "location__name",
            "appointment_type__name",
            "note__status",
            *_patient_shown("patient"),
        )
        .order_by("start_at")
    )


def drafts_of(practitioner: Practitioner) -> QuerySet[VisitNote]:
    return (
        VisitNote.objects.filter(practitioner_id=practitioner.pk, status=VisitNote.Status.DRAFT)
        .select_related("patient")
        .only("public_id", "visited_on", "kind", *_patient_shown("patient"))
        .order_by("visited_on", "id")
    )


def active_plans_of(practitioner: Practitioner) -> QuerySet[TreatmentPlan]:
    return (
        TreatmentPlan.objects.filter(practitioner_id=practitioner.pk, status=TreatmentPlan.Status.ACTIVE)
        .select_related("patient", "referral__provider")
        .only(
            # what status_from() reads, and what the page shows
            "public_id",
            "start_date",
            "duration_weeks",
            "planned_visits",
            "re_evaluation_due",
            "referral__visits_authorized",
            "referral__expires_on",
            "referral__provider__name",
            "referral__provider__credentials",
            *_patient_shown("patient"),
        )
        .order_by("start_date", "id")
    )


def dashboard(practitioner: Practitioner, today: date) -> dict:
    """What the practitioner's day needs: a fixed number of queries however many patients.

    Each query reads only the columns the page shows: the rows are wide (a patient has some thirty
    columns) and building model instances from them cost more than the queries themselves. The
    model managers, not practitioner.appointments and the like: a related manager reads each row's
    practitioner_id to attach the practitioner, which only() defers.
    """
    schedule = list(day_schedule(practitioner, today))
    drafts = list(drafts_of(practitioner))
    overdue_before = today - timedelta(days=settings.UNSIGNED_NOTE_DAYS)
    plans = list(active_plans_of(practitioner))
    visits = signed_visits([p.patient_id for p in plans], since=min((p.start_date for p in plans), default=None))
    reports, ending, referrals = [], [], []
    statuses = {plan.pk: status_from(plan, visits[plan.patient_id], today) for plan in plans}
    due = questionnaires_due(plans, visits=visits, status=_calls(statuses), today=today)  # two queries
    # A patient seen today is asked what their plan with this practitioner calls for.
    questionnaires = {plan.patient_id: due[plan.pk] for plan in plans if plan.pk in due}
    for plan in plans:
        status = statuses[plan.pk]
        row = {"plan": plan, "status": status, "url": reverse("plans:detail", args=[plan.public_id])}
        if status.progress_due or status.re_evaluation_due:
            reports.append(row)
        if status.ends_on <= today + timedelta(days=PLAN_ENDING_DAYS) or status.discharge_due:
            ending.append(row)
        referral = plan.referral
        if referral is not None:
            left = referral.visits_authorized - status.visits_used
            if left <= REFERRAL_VISITS_LEFT or referral.expires_on <= today + timedelta(days=REFERRAL_DAYS_LEFT):
                referrals.append(
                    {
                        "plan": plan,
                        "referral": referral,
                        "left": max(left, 0),
                        "expired": referral.expires_on < today,  # no longer running out: gone
                        "chart_url": plan.patient.get_chart_url(),
                    }
                )
    referrals.sort(key=lambda r: not r["expired"])  # the expired first: they stop visits being billed now
    return {
        "schedule": [
            {
                "appointment": a,
                "note": getattr(a, "note", None),  # saves the template a DoesNotExist for each visit not yet written
                "chart_url": a.patient.get_chart_url(),
                "note_url": reverse("visits:for_appointment", args=[a.public_id]),
                "writes_note": a.status in Appointment.HOLDING,
                "questionnaires": questionnaires.get(a.patient_id, []),
            }
            for a in schedule
        ],
        "drafts": [
            {"note": n, "overdue": n.visited_on < overdue_before, "url": reverse("visits:edit", args=[n.public_id])}
            for n in drafts
        ],
        "overdue_count": sum(1 for n in drafts if n.visited_on < overdue_before),
        "unsigned_days": settings.UNSIGNED_NOTE_DAYS,
        "reports": reports,
        "ending": ending,
        "referrals": referrals,
        "credential_alerts": credential_alerts(practitioner, today),  # three queries
    }
