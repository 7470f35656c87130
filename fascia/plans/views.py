from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.evaluations.models import Diagnosis
from fascia.evaluations.queries import get_evaluation_for_user
from fascia.lib.uploads import document_response
from fascia.measures import services as measure_services
from fascia.plans import services
from fascia.plans.forms import (
    EndForm,
    GoalForm,
    HomeCareItemForm,
    LetterForm,
    PlanForm,
    QuestionnaireForm,
    TechniqueForm,
    TreatsForm,
)
from fascia.plans.letters import preview_letter, send_letter
from fascia.plans.models import TreatmentPlan
from fascia.plans.queries import get_plan_for_user
from fascia.referrals.models import Referral
from fascia.referrals.services import referral_warnings, with_visits_used
from fascia.techniques.screening import Level, worst_level


def _back(plan: TreatmentPlan, anchor: str = "") -> HttpResponse:
    return redirect(reverse("plans:detail", args=[plan.public_id]) + anchor)


def _error(request: ClinicRequest, e: Exception) -> None:
    messages.error(request, " ".join(e.messages) if isinstance(e, ValidationError) else str(e))


@staff_view(roles.ADD_PLAN)
@require_POST
def create(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, evaluation_id)
    today = timezone.localdate()
    try:
        plan = services.create_plan(
            actor=request.user,
            evaluation=evaluation,
            start_date=today,
            visits_per_week=2,
            duration_weeks=6,
            planned_visits=12,
            re_evaluation_due=today + timedelta(weeks=6),
        )
    except (services.PlanError, ValidationError) as e:
        _error(request, e)
        return redirect(evaluation.patient.get_chart_url())
    return _back(plan)


def _referral_warnings(plan: TreatmentPlan) -> list[str]:
    if plan.referral_id is None:
        return []
    referral = with_visits_used(Referral.objects.filter(pk=plan.referral_id)).get()
    return referral_warnings(referral, on=timezone.localdate(), visits_used=referral.visits_used)


def _diagnoses(plan: TreatmentPlan) -> list[Diagnosis]:
    """The plan's evaluation's diagnoses, in rank order: what its goals and techniques may address."""
    return list(plan.evaluation.diagnoses.all())


def _lists(
    request: ClinicRequest,
    plan: TreatmentPlan,
    diagnoses: list[Diagnosis],
    *,
    goal_form: GoalForm | None = None,
    technique_form: TechniqueForm | None = None,
    questionnaire_form: QuestionnaireForm | None = None,
    home_care_form: HomeCareItemForm | None = None,
) -> dict[str, Any]:
    """What the plan's goals, techniques, questionnaires and home care sections show: their rows and, on an
    editable draft (an active plan too, for questionnaires), the forms to add one (fresh unless a refused one is
    given back, as typed)."""
    editable = plan.is_editable and request.user.has_perm(roles.ADD_PLAN)
    schedulable = plan.status in (plan.Status.DRAFT, plan.Status.ACTIVE) and request.user.has_perm(roles.ADD_PLAN)
    questionnaires = list(plan.questionnaires.all())
    findings = []
    if technique_form is not None and technique_form.is_bound and technique_form.is_valid():
        data = technique_form.cleaned_data  # refused by the service: its findings shown again beside the reason
        findings = services.screen_for_plan(plan, data["technique"], data["region"], data["pressure"])
    return {
        "plan": plan,
        "patient": plan.patient,
        "diagnoses": diagnoses,
        "goals": list(plan.goals.prefetch_related("diagnoses")),
        "techniques": list(plan.techniques.select_related("technique").prefetch_related("diagnoses")),
        "editable": editable,
        "goal_form": (goal_form or GoalForm(prefix="goal", diagnoses=diagnoses)) if editable else None,
        "technique_form": (
            (
                technique_form
                or TechniqueForm(prefix="technique", organization=request.organization, diagnoses=diagnoses)
            )
            if editable
            else None
        ),
        "questionnaires": questionnaires,
        # One button per instrument, while the plan is active.
        "sendable": (
            sorted({q.instrument for q in questionnaires})
            if plan.status == plan.Status.ACTIVE and request.user.has_perm(roles.SEND_QUESTIONNAIRE)
            else []
        ),
        "schedulable": schedulable,
        "questionnaire_form": (questionnaire_form or QuestionnaireForm(prefix="questionnaire"))
        if schedulable
        else None,
        "home_care_items": list(plan.home_care_items.all()),
        "home_care_form": (home_care_form or HomeCareItemForm(prefix="home_care")) if editable else None,
        "home_care_revisable": plan.status == plan.Status.ACTIVE and request.user.has_perm(roles.ACTIVATE_PLAN),
        "findings": findings,
        "only_cautions": worst_level(findings) == Level.CAUTION,
        "screened": bool(findings),
    }


def _in_place(
    request: ClinicRequest,
    plan: TreatmentPlan,
    kind: str,
    *,
    done: str = "",
    failed: str = "",
    form: forms.BaseForm | None = None,
) -> HttpResponse:
    """After a change to the plan's goals or techniques: the section again, in place (htmx), with what was done
    or refused and, when refused, the form as it was typed; without htmx, the plan page at the section."""
    if not request.htmx:
        if done:
            messages.success(request, done)
        if failed:
            messages.error(request, failed)
        return _back(plan, f"#{kind}")
    plan = get_plan_for_user(request.user, plan.public_id)  # as it is now
    refused = form if failed else None  # a refused form comes back as typed; after a success, a fresh one
    lists = _lists(
        request,
        plan,
        _diagnoses(plan),
        goal_form=refused if isinstance(refused, GoalForm) else None,
        technique_form=refused if isinstance(refused, TechniqueForm) else None,
        questionnaire_form=refused if isinstance(refused, QuestionnaireForm) else None,
        home_care_form=refused if isinstance(refused, HomeCareItemForm) else None,
    )
    context = {**lists, "done": done, "failed": failed}
    response = render(request, f"plans/plan_detail.html#{kind}", context)
    if kind == "goals" and done:
        # A goal scored by an instrument adds its questionnaires: that section comes along, swapped out of band.
        response.content += render_to_string(
            "plans/plan_detail.html#questionnaires", {**lists, "out_of_band": True}, request=request
        ).encode()
    return response


@staff_view(roles.VIEW_PLAN)
@require_GET
def detail(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    audit.record(actor=request.user, action=AuditAction.PLAN_VIEWED, target=plan, patient=plan.patient)
    editable = plan.is_editable and request.user.has_perm(roles.ADD_PLAN)
    diagnoses = _diagnoses(plan)
    context = {
        **_lists(request, plan, diagnoses),
        "can_activate": plan.is_editable and request.user.has_perm(roles.ACTIVATE_PLAN),
        "can_revise": plan.status == plan.Status.ACTIVE and request.user.has_perm(roles.ACTIVATE_PLAN),
        "plan_form": PlanForm(instance=plan) if editable else None,
        "end_form": EndForm(prefix="end"),
        "letter_form": LetterForm(prefix="letter") if request.user.has_perm(roles.ADD_CORRESPONDENCE) else None,
        "referral_warnings": _referral_warnings(plan),
        "can_book_visits": plan.status == plan.Status.ACTIVE and request.user.has_perm(roles.BOOK_APPOINTMENT),
    }
    return render(request, "plans/plan_detail.html", context)


def _outcome(
    form: forms.BaseForm, write: Callable[[dict[str, Any]], object], *, done: str, failed: str
) -> tuple[str, str]:
    """Run a plan service with a valid form's data: (what was done, "") or ("", what was wrong)."""
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[f].label if f in form.fields else 'Form'}: {' '.join(map(str, e))}"
            for f, e in form.errors.items()
        )
        return "", f"{failed}: {problems}"
    try:
        write(form.cleaned_data)
    except (services.PlanError, ValidationError) as e:
        return "", " ".join(e.messages) if isinstance(e, ValidationError) else str(e)
    return done, ""


def _submit(
    request: ClinicRequest, form: forms.BaseForm, write: Callable[[dict[str, Any]], object], *, done: str, failed: str
) -> None:
    """Run a plan service with a valid form's data; report success, or what was wrong."""
    succeeded, problem = _outcome(form, write, done=done, failed=failed)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, succeeded)


@staff_view(roles.ADD_PLAN)
@require_POST
def edit(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    form = PlanForm(request.POST, instance=get_plan_for_user(request.user, plan_id))
    _submit(
        request,
        form,
        lambda data: services.update_plan(actor=request.user, plan=plan, **data),
        done="Plan saved.",
        failed="Plan not saved",
    )
    return _back(plan)


def _add(
    request: ClinicRequest,
    plan_id: UUID,
    kind: str,
    form: Callable[[TreatmentPlan], forms.BaseForm],
    write: Callable[..., object],
    *,
    what: str,
) -> HttpResponse:
    """Add a goal, technique, questionnaire or home care item (`kind`, the plan page's section) from a form made
    for the plan: write(actor=, plan=, **its data) is the service; the section comes back in place."""
    plan = get_plan_for_user(request.user, plan_id)
    bound = form(plan)
    done, failed = _outcome(
        bound,
        lambda data: write(actor=request.user, plan=plan, **data),
        done=f"{what} added.",
        failed=f"{what} not added",
    )
    return _in_place(request, plan, kind, done=done, failed=failed, form=bound)


def _remove(
    request: ClinicRequest,
    plan_id: UUID,
    kind: str,
    find: Callable[[TreatmentPlan], Any],
    write: Callable[[Any], object],
    *,
    what: str,
) -> HttpResponse:
    """Remove the item find(plan) gives (None when it is not on this plan) with write(item), the service; the
    section comes back in place."""
    plan = get_plan_for_user(request.user, plan_id)
    item = find(plan)
    if item is None:
        return _in_place(request, plan, kind, failed=f"That {what.lower()} is no longer on the plan.")
    try:
        write(item)
    except services.PlanError as e:
        return _in_place(request, plan, kind, failed=str(e))
    return _in_place(request, plan, kind, done=f"{what} removed: {item}.")


@staff_view(roles.ADD_PLAN)
@require_POST
def add_goal(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    return _add(
        request,
        plan_id,
        "goals",
        lambda plan: GoalForm(request.POST, prefix="goal", diagnoses=_diagnoses(plan)),
        services.add_goal,
        what="Goal",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def remove_goal(request: ClinicRequest, plan_id: UUID, goal_id: int) -> HttpResponse:
    return _remove(
        request,
        plan_id,
        "goals",
        lambda plan: plan.goals.filter(pk=goal_id).first(),
        lambda goal: services.remove_goal(actor=request.user, goal=goal),
        what="Goal",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def screen(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    """The screening findings for the technique and region being chosen (htmx)."""
    plan = get_plan_for_user(request.user, plan_id)
    form = TechniqueForm(request.POST, prefix="technique", organization=request.organization, diagnoses=[])
    findings = []
    # Screening reads the technique, region and pressure only: what it treats is not checked here.
    valid = form.is_valid() or set(form.errors) == {"diagnoses"}
    if valid:
        data = form.cleaned_data
        findings = services.screen_for_plan(plan, data["technique"], data["region"], data["pressure"])
    level = worst_level(findings)
    return render(
        request,
        "plans/plan_detail.html#screening",
        {"findings": findings, "only_cautions": level == Level.CAUTION, "screened": valid},
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def add_technique(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    return _add(
        request,
        plan_id,
        "techniques",
        lambda plan: TechniqueForm(
            request.POST, prefix="technique", organization=request.organization, diagnoses=_diagnoses(plan)
        ),
        services.add_technique,
        what="Technique",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def remove_technique(request: ClinicRequest, plan_id: UUID, planned_id: int) -> HttpResponse:
    return _remove(
        request,
        plan_id,
        "techniques",
        lambda plan: plan.techniques.filter(pk=planned_id).select_related("technique").first(),
        lambda planned: services.remove_technique(actor=request.user, planned=planned),
        what="Technique",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def add_questionnaire(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    return _add(
        request,
        plan_id,
        "questionnaires",
        lambda plan: QuestionnaireForm(request.POST, prefix="questionnaire"),
        services.add_questionnaire,
        what="Questionnaire",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def remove_questionnaire(request: ClinicRequest, plan_id: UUID, questionnaire_id: int) -> HttpResponse:
    return _remove(
        request,
        plan_id,
        "questionnaires",
        lambda plan: plan.questionnaires.filter(pk=questionnaire_id).first(),
        lambda questionnaire: services.remove_questionnaire(actor=request.user, questionnaire=questionnaire),
        what="Questionnaire",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def add_home_care(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    return _add(
        request,
        plan_id,
        "home_care",
        lambda plan: HomeCareItemForm(request.POST, request.FILES, prefix="home_care"),
        services.add_home_care_item,
        what="Home care item",
    )


@staff_view(roles.ADD_PLAN)
@require_POST
def remove_home_care(request: ClinicRequest, plan_id: UUID, item_id: UUID) -> HttpResponse:
    return _remove(
        request,
        plan_id,
        "home_care",
        lambda plan: plan.home_care_items.filter(public_id=item_id).first(),
        lambda item: services.remove_home_care_item(actor=request.user, item=item),
        what="Home care item",
    )


@staff_view(roles.VIEW_PLAN)
@require_GET
def home_care_image(request: ClinicRequest, plan_id: UUID, item_id: UUID) -> FileResponse:
    """A home care item's picture, as its bytes show it (PNG or JPEG), audited."""
    plan = get_plan_for_user(request.user, plan_id)
    item = plan.home_care_items.filter(public_id=item_id).first()
    if item is None or not item.image:
        raise Http404("No such picture.")
    audit.record(
        actor=request.user,
        action=AuditAction.HOME_CARE_VIEWED,
        target=item,
        patient=plan.patient,
        detail={"picture": True},
    )
    return document_response(item.image)


@staff_view(roles.SEND_QUESTIONNAIRE)
@require_POST
def send_questionnaire(request: ClinicRequest, plan_id: UUID, instrument: str) -> HttpResponse:
    """Email the patient a link to answer one of the active plan's questionnaires now; back to the chart or the
    plan, whichever sent it."""
    plan = get_plan_for_user(request.user, plan_id)
    back = plan.patient.get_chart_url() if request.POST.get("back") == "chart" else None
    if plan.status != plan.Status.ACTIVE or not plan.questionnaires.filter(instrument=instrument).exists():
        messages.error(request, "Only a questionnaire of the active plan is sent.")
    else:
        try:
            measure_services.send_questionnaire(
                actor=request.user, patient=plan.patient, instrument=instrument, site=request.build_absolute_uri("/")
            )
        except measure_services.QuestionnaireError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"{instrument} questionnaire link emailed to the patient.")
    return redirect(back) if back else _back(plan, "#questionnaires")


@staff_view(roles.ADD_PLAN)
@require_POST
def change_treated(request: ClinicRequest, plan_id: UUID, kind: str, item_id: int) -> HttpResponse:
    """Say again which diagnoses a goal or planned technique of a draft addresses."""
    if kind not in ("goals", "techniques"):
        raise Http404("No such part of a plan.")
    plan = get_plan_for_user(request.user, plan_id)
    item = (plan.goals if kind == "goals" else plan.techniques).filter(pk=item_id).first()
    if item is None:
        return _in_place(request, plan, kind, failed="That item is no longer on the plan.")
    form = TreatsForm(request.POST, diagnoses=_diagnoses(plan))
    done, failed = _outcome(
        form,
        lambda data: services.change_treated(actor=request.user, item=item, diagnoses=data["diagnoses"]),
        done="Saved what it treats.",
        failed="Not saved",
    )
    return _in_place(request, plan, kind, done=done, failed=failed)


@staff_view(roles.ACTIVATE_PLAN)
@require_POST
def activate(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    try:
        services.activate_plan(actor=request.user, plan=plan)
    except services.PlanError as e:
        _error(request, e)
    else:
        messages.success(request, "The plan is active.")
    return _back(plan)


@staff_view(roles.ACTIVATE_PLAN)
@require_POST
def revise(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    try:
        revision = services.revise_plan(actor=request.user, plan=plan)
    except services.PlanError as e:
        _error(request, e)
        return _back(plan)
    messages.success(
        request, f"Version {revision.version} drafted; version {plan.version} stays active until you activate this one."
    )
    return _back(revision)


@staff_view(roles.ACTIVATE_PLAN)
@require_POST
def end(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    plan = get_plan_for_user(request.user, plan_id)
    form = EndForm(request.POST, prefix="end")
    if form.is_valid():
        try:
            services.end_plan(
                actor=request.user, plan=plan, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"]
            )
        except services.PlanError as e:
            _error(request, e)
    return _back(plan)


def _letter(
    request: ClinicRequest, plan_id: UUID, answer: Callable[[TreatmentPlan, dict[str, Any], str], HttpResponse]
) -> HttpResponse:
    """Answer a valid letter form with answer(plan, the letter as preview_letter and send_letter take it, how it is
    sent); a refusal goes back to the plan's letter, saying why."""
    plan = get_plan_for_user(request.user, plan_id)
    form = LetterForm(request.POST, prefix="letter")
    if not form.is_valid():
        messages.error(request, "Choose the letter and how it is sent.")
        return _back(plan, "#p-letter")
    data = form.cleaned_data
    letter = {
        "actor": request.user,
        "organization": request.organization,
        "plan": plan,
        "kind": data["kind"],
        "recommendation": data["recommendation"],
    }
    try:
        return answer(plan, letter, data["method"])
    except services.PlanError as e:
        _error(request, e)
        return _back(plan, "#p-letter")


@staff_view(roles.ADD_CORRESPONDENCE, roles.VIEW_PLAN)
@require_POST
def letter_preview(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    """The letter's PDF as it would be sent, opened in its own tab; nothing is logged as sent."""

    def pdf(plan: TreatmentPlan, letter: dict[str, Any], _method: str) -> HttpResponse:  # a preview is not sent
        response = HttpResponse(preview_letter(**letter), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="preview-{letter["kind"]}-{plan.patient.mrn}.pdf"'
        return response

    return _letter(request, plan_id, pdf)


@staff_view(roles.ADD_CORRESPONDENCE, roles.VIEW_PLAN)
@require_POST
def letter(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    """Log the plan-of-care letter or progress report as sent, its PDF kept with the correspondence."""

    def send(plan: TreatmentPlan, letter: dict[str, Any], method: str) -> HttpResponse:
        sent = send_letter(**letter, method=method)
        messages.success(
            request,
            f"{sent.get_kind_display()} logged as sent by {sent.get_method_display().lower()}; "
            "its PDF is kept with the patient's correspondence.",
        )
        return _back(plan)

    return _letter(request, plan_id, send)


@staff_view(roles.VIEW_PLAN)
@require_GET
def home_care(request: ClinicRequest, plan_id: UUID) -> HttpResponse:
    """The home-care sheet to print for the patient."""
    plan = get_plan_for_user(request.user, plan_id)
    audit.record(
        actor=request.user,
        action=AuditAction.PLAN_VIEWED,
        target=plan,
        patient=plan.patient,
        detail={"page": "home care"},
    )
    context = {
        "plan": plan,
        "patient": plan.patient,
        "organization": request.organization,
        "items": list(plan.home_care_items.all()),
    }
    return render(request, "plans/home_care.html", context)
