from collections.abc import Callable
from copy import copy
from functools import partial
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.evaluations.forms import AddendumForm, MeasureForm, PalpationRow, RomRow, formset_rows, row_formset
from fascia.evaluations.pdf import palpation_rows, rom_rows
from fascia.measures import views as measure_views
from fascia.patients.models import BodyRegion
from fascia.patients.queries import get_patient_for_user
from fascia.plans.pdf import letter_context
from fascia.scheduling.models import Appointment
from fascia.techniques.facts import LOCAL_FINDINGS
from fascia.techniques.queries import catalog
from fascia.visits import queries, services
from fascia.visits import warnings as signing_warnings
from fascia.visits.forms import (
    ArrivalForm,
    LocalFindingRow,
    NoteForm,
    TemplateForm,
    goal_formset,
    goal_progress,
    technique_formset,
    technique_rows,
)
from fascia.visits.minutes import summarize
from fascia.visits.models import VisitNote, VisitTechnique

BODY_REGIONS = dict(BodyRegion.choices)
# prefix (and note field) -> row form
FORMSETS = {"findings": PalpationRow, "rom": RomRow, "local_findings": LocalFindingRow}
NOTES_PER_PAGE = 25


def _started(request: ClinicRequest, start: Callable[[], VisitNote], back: str) -> HttpResponse:
    """Run a start_note call: open the new draft, or say why not on the page the user came from."""
    try:
        note = start()
    except (services.NoteError, ValidationError) as e:
        messages.error(request, str(e.messages[0] if isinstance(e, ValidationError) else e))
        return redirect(back)
    return redirect("visits:edit", note_id=note.public_id)


@staff_view(roles.ADD_NOTE)
@require_POST
def start(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    return _started(request, lambda: services.start_note(actor=request.user, patient=patient), patient.get_chart_url())


@staff_view(roles.ADD_NOTE)
@require_POST
def for_appointment(request: ClinicRequest, appointment_id: UUID) -> HttpResponse:
    """The appointment's note: opened when it exists, started when it does not."""
    appointment = (
        Appointment.objects.filter(
            location__organization_id=request.user.member_organization_id, public_id=appointment_id
        )
        .select_related("patient", "note")
        .first()
    )
    if appointment is None:
        messages.error(request, "No such appointment.")
        return redirect("scheduling:day")
    if hasattr(appointment, "note"):
        return redirect("visits:edit", note_id=appointment.note.public_id)
    return _started(
        request,
        lambda: services.start_note(actor=request.user, patient=appointment.patient, appointment=appointment),
        reverse("scheduling:day"),
    )


def _technique_initial(techniques: list[VisitTechnique]) -> list[dict]:
    fields = ("region", "minutes", "pressure", "position", "response", "override_reason")
    return [{"technique": t.technique_id, **{f: getattr(t, f) for f in fields}} for t in techniques]


def _as_row(initial: dict) -> dict:
    """A row of the form (its `technique` a catalog id) as the service takes it (`technique_id`)."""
    return {**initial, "technique_id": initial.get("technique")}


def _marked(formset: Any, carried: dict[int, str]) -> Any:
    """The formset, its rows whose reason was carried from an earlier note marked to say so."""
    for i in carried:
        formset.forms[i].carried_reason = True
    return formset


def _with_carried(request: ClinicRequest, form: NoteForm, formsets: dict[str, Any], techniques: Any) -> Any:
    """After a save refused for its techniques: the rows as posted, with a reason carried into those a caution
    stopped that the patient's last notes give one for (shown, to be checked and saved again)."""
    draft = form.instance  # the note as posted (today's symptoms), not saved
    draft.local_findings = formset_rows(formsets["local_findings"])
    rows = {
        i: _as_row(f.cleaned_data)
        for i, f in enumerate(techniques.forms)
        if f.is_valid() and f.cleaned_data.get("technique")
    }
    carried = services.carried_reasons(draft, rows)
    if not carried:
        return techniques
    data = request.POST.copy()
    for i, reason in carried.items():
        data[f"{techniques.prefix}-{i}-override_reason"] = reason
    return _marked(technique_formset(request.organization, [], data), carried)


def _goals(note: VisitNote) -> list[dict]:
    """The plan's goals with the progress given on this note."""
    given = {p["goal"]: p for p in note.goal_progress}
    return [{"goal": goal, **given.get(goal.pk, {"status": "", "note": ""})} for goal in queries.plan_goals(note)]


SIGNED = "Note signed. It is now locked; corrections go in addenda."


def _signed(request: ClinicRequest, warnings: list[str]) -> None:
    """Say the note is signed, with what the documentation check found (to fix in an addendum or on the plan,
    the coverage or the referral, while the visit is fresh)."""
    messages.success(request, SIGNED)
    for warning in warnings:
        messages.warning(request, f"For the claim: {warning}")


@staff_view(roles.ADD_NOTE)
@require_http_methods(["GET", "POST"])
def edit(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    note = queries.get_note_for_user(request.user, note_id, to_change=True)
    if note.is_signed:
        messages.info(request, "This note is signed; changes go in an addendum.")
        return redirect("visits:detail", note_id=note.public_id)
    data = request.POST if request.method == "POST" else None
    form = NoteForm(data, instance=copy(note))  # a form that fails to validate leaves `note` as saved
    # The stored rows fill the empty form and its minutes. A posted formset is its data: the stored rows
    # are read only for the minutes shown when the form comes back with errors.
    stored = list(note.techniques.select_related("technique")) if data is None else None
    initial = _technique_initial(stored or [])
    carried = services.carried_reasons(note, {i: _as_row(r) for i, r in enumerate(initial)}) if stored else {}
    for i, reason in carried.items():
        initial[i]["override_reason"] = reason
    techniques = _marked(technique_formset(request.organization, initial, data), carried)
    formsets = {prefix: row_formset(row, getattr(note, prefix), data, prefix) for prefix, row in FORMSETS.items()}
    plan_goals = queries.plan_goals(note)
    # Without goals the page has no goal rows, and posts no management form for them.
    goals = goal_formset(plan_goals, note.goal_progress, data) if plan_goals else None
    problems: list[str] = []
    sets = [techniques, *formsets.values(), *([goals] if goals else [])]
    if data is not None and form.is_valid() and all(f.is_valid() for f in sets):
        fields = dict(form.cleaned_data)
        fields.update({prefix: formset_rows(formset) for prefix, formset in formsets.items()})
        fields["goal_progress"] = goal_progress(goals) if goals else []
        then_sign = request.POST.get("then") == "sign"
        found: list[str] = []
        save = (
            partial(services.save_and_sign, arrived=_arrived(request), warnings=found)
            if then_sign
            else services.save_note
        )
        try:
            save(actor=request.user, note=note, techniques=technique_rows(techniques), **fields)
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                if field in form.fields:
                    form.add_error(field, errors)
                else:
                    problems += errors
            if "techniques" in e.message_dict:
                techniques = _with_carried(request, form, formsets, techniques)
        except services.NoteLocked as e:
            messages.error(request, str(e))
            return redirect("visits:detail", note_id=note.public_id)
        except services.NoteError as e:  # signing refused: the draft is saved
            messages.error(request, str(e))
            return redirect("visits:edit", note_id=note.public_id)
        else:
            if then_sign:
                _signed(request, found)
                return redirect("visits:detail", note_id=note.public_id)
            messages.success(request, "Draft saved.")
            return redirect("visits:edit", note_id=note.public_id)
    if request.method == "GET":
        audit.record(
            actor=request.user,
            action=AuditAction.NOTE_VIEWED,
            target=note,
            patient=note.patient,
            detail={"page": "edit"},
        )
    status = queries.plan_status(note.plan, note.visited_on) if note.plan is not None else None
    rows = stored if stored is not None else list(note.techniques.select_related("technique"))
    context = {
        "note": note,
        "patient": note.patient,
        "form": form,
        "techniques": techniques,
        "formsets": formsets,
        # Each goal with its row of the formset: the rows are made from the goals, in their order.
        "goals": goals,
        "goal_rows": list(zip(plan_goals, goals, strict=False)) if goals else [],
        "problems": problems,
        "plan_status": status,
        "copied_from": queries.copied_from_day(note) if note.copied_fields and note.copied_from_id else None,
        "summary": queries.minute_summary(rows),
        "warnings": signing_warnings.warnings_for(note, rows),
        "allowed_minutes": services.minutes_allowed(note),
        "template_form": TemplateForm(),
        "measures": queries.measures_of(note),
        "measure_form": MeasureForm(),
        "home_care": queries.home_care_since_last_visit(note),
        "can_sign": note.practitioner.user_id == request.user.pk and request.user.has_perm(roles.SIGN_NOTE),
        **_signing_context(note),
    }
    return render(request, "visits/note_form.html", context)


@staff_view(roles.ADD_NOTE)
@require_POST
def minutes(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    """The CPT codes and minutes the treatment rows add up to, as they are typed (htmx)."""
    note = queries.get_note_for_user(request.user, note_id, to_change=True)
    techniques = technique_formset(request.organization, [], request.POST)
    rows = [form.cleaned_data for form in techniques if form.is_valid() and form.cleaned_data.get("technique")]
    by_id = catalog(request.organization)
    summary = summarize(
        [
            (by_id[r["technique"]].cpt_code, by_id[r["technique"]].timed, r.get("minutes"))
            for r in rows
            if r["technique"] in by_id
        ]
    )
    context = {"summary": summary, "allowed_minutes": services.minutes_allowed(note)}
    return render(request, "visits/_minutes.html", context)


@staff_view(roles.ADD_NOTE)
@require_POST
def template(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    note = queries.get_note_for_user(request.user, note_id, to_change=True)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            services.apply_template(actor=request.user, note=note, code=form.cleaned_data["template"])
        except (services.NoteError, ValidationError) as e:
            messages.error(request, " ".join(e.messages) if isinstance(e, ValidationError) else str(e))
        else:
            messages.success(request, "Template applied: check the techniques and minutes.")
    return redirect("visits:edit", note_id=note.public_id)


def _arrived(request: ClinicRequest) -> bool:
    """Whether the signer ticked "the patient came" (ArrivalForm)."""
    form = ArrivalForm(request.POST)
    return form.is_valid() and form.cleaned_data["patient_arrived"]


def _signing_context(note: VisitNote) -> dict:
    """What a draft's pages show about signing it: the appointment's start when it is still ahead (no signing
    before), and the arrival question when the appointment was never checked in."""
    appointment = note.appointment  # read with the note (get_note_for_user)
    not_before = appointment.start_at if appointment is not None and appointment.start_at > timezone.now() else None
    return {
        "sign_not_before": not_before,
        "arrival_form": ArrivalForm() if services.needs_arrival(appointment) else None,
    }


def detail_context(note: VisitNote) -> dict:
    techniques = list(note.techniques.select_related("technique"))
    context = {
        "note": note,
        "patient": note.patient,
        "techniques": techniques,
        "summary": queries.minute_summary(techniques),
        "palpation": palpation_rows(note.findings),
        "rom": rom_rows(note.rom),
        "local_findings": [
            {"finding": LOCAL_FINDINGS[f["finding"]], "region": BODY_REGIONS[f["region"]].lower()}
            for f in note.local_findings
        ],
        "measures": queries.measures_of(note),
        "goals": _goals(note),
        "addenda": list(note.addenda.select_related("author")),
    }
    if note.kind != VisitNote.Kind.FOLLOW_UP and note.plan is not None:
        context["report"] = letter_context(note.plan, kind=note.kind)
    return context


@staff_view(roles.VIEW_NOTE)
@require_GET
def detail(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    note = queries.get_note_for_user(request.user, note_id)
    audit.record(actor=request.user, action=AuditAction.NOTE_VIEWED, target=note, patient=note.patient)
    user = request.user
    is_signer = note.practitioner.user_id == user.pk
    shown = detail_context(note)
    context = {
        **shown,
        "missing": services.missing_for_signature(note) if not note.is_signed else [],
        "can_edit": not note.is_signed and user.has_perm(roles.ADD_NOTE) and roles.may_change_note(user, note),
        "can_sign": not note.is_signed and is_signer and user.has_perm(roles.SIGN_NOTE),
        "can_add_addendum": note.is_signed
        and user.has_perm(roles.ADD_NOTE_ADDENDUM)
        and (is_signer or user.has_perm(roles.MANAGE_STAFF)),
        "addendum_form": AddendumForm(),
        **(_signing_context(note) if not note.is_signed else {}),
        # The documentation check, while the note can still change.
        "warnings": signing_warnings.warnings_for(note, shown["techniques"]) if not note.is_signed else [],
    }
    return render(request, "visits/note_detail.html", context)


@staff_view(roles.SIGN_NOTE)
@require_POST
def sign(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    note = queries.get_note_for_user(request.user, note_id, to_change=True)
    found: list[str] = []
    try:
        services.sign_note(actor=request.user, note=note, arrived=_arrived(request), warnings=found)
    except (services.VisitNotStarted, services.ArrivalNotConfirmed) as e:
        messages.error(request, str(e))  # asked on the note's page, beside its signature button
        return redirect("visits:detail", note_id=note.public_id)
    except services.NoteError as e:
        messages.error(request, str(e))
        return redirect("visits:edit", note_id=note.public_id)
    _signed(request, found)
    return redirect("visits:detail", note_id=note.public_id)


@staff_view(roles.ADD_NOTE_ADDENDUM)
@require_POST
def addendum(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    note = queries.get_note_for_user(request.user, note_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(actor=request.user, note=note, text=form.cleaned_data["text"])
        except (services.NoteError, ValidationError) as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Write the addendum before saving it.")
    return redirect(reverse("visits:detail", args=[note.public_id]) + "#addenda")


@staff_view(roles.ADD_NOTE)
@require_http_methods(["GET", "POST"])
def measure(request: ClinicRequest, note_id: UUID) -> HttpResponse:
    """GET: the item inputs of an instrument (htmx). POST: record it at this visit."""
    note = queries.get_note_for_user(request.user, note_id, to_change=True)
    return measure_views.take(
        request,
        record=partial(services.record_note_measure, actor=request.user, note=note),
        back=reverse("visits:edit", args=[note.public_id]) + "#measures",
        refused=services.NoteLocked,
    )


@staff_view(roles.ADD_NOTE)
@require_GET
def dashboard(request: ClinicRequest) -> HttpResponse:
    """The practitioner's day: schedule, notes to sign, reports due, plans ending, referrals running out."""
    practitioner = getattr(request.user, "practitioner", None)
    today = timezone.localdate()
    context = {"today": today, **(queries.dashboard(practitioner, today) if practitioner else {"schedule": None})}
    return render(request, "visits/dashboard.html", context)


@staff_view(roles.VIEW_NOTE)
@require_GET
def patient_notes(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    """Every visit note of a patient, newest first, a page at a time (the chart shows the latest)."""
    patient = get_patient_for_user(request.user, patient_id)
    page = Paginator(queries.notes_of(request.user, patient), NOTES_PER_PAGE).get_page(request.GET.get("page"))
    audit.record(
        actor=request.user,
        action=AuditAction.PATIENT_VIEWED,
        target=patient,
        detail={"page": "visit notes"},
    )
    return render(request, "visits/patient_notes.html", {"patient": patient, "page": page})
