from functools import partial
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.evaluations import queries, services
from fascia.evaluations.catalog import MARK_KINDS, MARK_LEGEND, REGIONS, chart
from fascia.evaluations.forms import (
    SECTION_FIELDS,
    SECTION_ROWS,
    AddendumForm,
    ClearanceForm,
    DiagnosisRow,
    EvaluationForm,
    MeasureForm,
    PalpationRow,
    RomRow,
    SpecialTestRow,
    formset_rows,
    row_formset,
)
from fascia.evaluations.models import Evaluation
from fascia.evaluations.pdf import body_figure, evaluation_context
from fascia.lib.pdf import render_pdf
from fascia.measures import instrument as get_instrument
from fascia.measures import score
from fascia.measures import views as measure_views
from fascia.patients.icd10 import search as search_icd10
from fascia.patients.queries import get_patient_for_user

SECTIONS = {  # formset prefix -> (row form, evaluation field)
    "palpation": (PalpationRow, "palpation"),
    "rom": (RomRow, "rom"),
    "tests": (SpecialTestRow, "special_tests"),
}


@staff_view(roles.ADD_EVALUATION)
@require_POST
def start(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    try:
        evaluation = services.start_evaluation(
            actor=request.user, patient=patient, kind=request.POST.get("kind") or Evaluation.Kind.INITIAL
        )
    except (services.EvaluationError, ValidationError) as e:
        messages.error(request, str(e.messages[0] if isinstance(e, ValidationError) else e))
        return redirect(patient.get_chart_url())
    return redirect("evaluations:edit", evaluation_id=evaluation.public_id)


def _formsets(evaluation: Evaluation, data: object = None, prefixes: list[str] | None = None) -> dict:
    """The repeated rows of the form, or of the sections named by their `prefixes`."""
    wanted = prefixes if prefixes is not None else [*SECTIONS, "diagnoses"]
    sets = {
        prefix: row_formset(form, getattr(evaluation, field), data, prefix)
        for prefix, (form, field) in SECTIONS.items()
        if prefix in wanted
    }
    if "diagnoses" in wanted:
        diagnoses = [{"code": d.code} for d in evaluation.diagnoses.all()]
        sets["diagnoses"] = row_formset(DiagnosisRow, diagnoses, data, "diagnoses")
    return sets


def _form_context(request: ClinicRequest, evaluation: Evaluation, form: EvaluationForm, formsets: dict) -> dict:
    return {
        "evaluation": evaluation,
        "patient": evaluation.patient,
        "form": form,
        "formsets": formsets,
        "regions": list(REGIONS.values()),
        "chart_views": chart([]),  # the marks are drawn by the page's script, from the form's field
        "mark_legend": MARK_LEGEND,
        "mark_kinds": MARK_KINDS,
        "history_url": evaluation.patient.get_chart_url(),
        "can_discard": evaluation.practitioner.user_id == request.user.pk,
    }


def _save(request: ClinicRequest, evaluation: Evaluation, form: EvaluationForm, formsets: dict) -> list[str] | None:
    """Save the form's fields and the rows of the `formsets` it came with (the diagnoses only when among them),
    if all are valid. None when saved; else what was wrong that the form's fields do not show (the service's
    refusals of a field are added to the field). EvaluationLocked is the caller's to answer."""
    if not (form.is_valid() and all(f.is_valid() for f in formsets.values())):
        return []
    fields = dict(form.cleaned_data)
    for prefix, (_, field) in SECTIONS.items():
        if prefix in formsets:
            fields[field] = formset_rows(formsets[prefix])
    codes = [row["code"] for row in formset_rows(formsets["diagnoses"])] if "diagnoses" in formsets else None
    try:
        services.save_evaluation(actor=request.user, evaluation=evaluation, diagnoses=codes, **fields)
    except ValidationError as e:
        problems = []
        for field, errors in e.message_dict.items():
            if field in form.fields:
                form.add_error(field, errors)
            else:
                problems += errors
        return problems
    return None


@staff_view(roles.ADD_EVALUATION)
@require_POST
def section(request: ClinicRequest, evaluation_id: UUID, name: str) -> HttpResponse:
    """Save one section of a draft by itself (htmx: the section comes back in place, saved or with its errors;
    without htmx, the form again at that section). The other sections stay as stored."""
    if name not in SECTION_FIELDS:
        raise Http404("No such section.")
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    form = EvaluationForm(
        request.POST, instance=queries.get_evaluation_for_user(request.user, evaluation_id), section=name
    )
    formsets = _formsets(evaluation, request.POST, SECTION_ROWS[name])
    try:
        problems = _save(request, evaluation, form, formsets)
    except services.EvaluationLocked as e:
        problems = [str(e)]
    if problems == []:  # what is wrong is marked on the fields
        problems = ["Nothing in this section was saved. Please correct the fields marked."]
    if not request.htmx:
        if problems is None:
            messages.success(request, "Section saved.")
        else:
            messages.error(request, " ".join(problems))
        return redirect(reverse("evaluations:edit", args=[evaluation.public_id]) + f"#s-{name}")
    if problems is None:  # the section as stored now, its rows renumbered
        stored = queries.get_evaluation_for_user(request.user, evaluation_id)
        form = EvaluationForm(instance=stored, section=name)
        formsets = _formsets(stored, None, SECTION_ROWS[name])
    context = {
        **_form_context(request, evaluation, form, formsets),
        "saved": problems is None,
        "section_problems": problems,
    }
    return render(request, f"evaluations/evaluation_form.html#section-{name}", context)


@staff_view(roles.ADD_EVALUATION)
@require_http_methods(["GET", "POST"])
def edit(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    if evaluation.is_signed:
        messages.info(request, "This evaluation is signed; changes go in an addendum.")
        return redirect("evaluations:detail", evaluation_id=evaluation.public_id)
    form = EvaluationForm(request.POST or None, instance=queries.get_evaluation_for_user(request.user, evaluation_id))
    formsets = _formsets(evaluation, request.POST or None)
    problems: list[str] | None = []
    if request.method == "POST":
        try:
            problems = _save(request, evaluation, form, formsets)
        except services.EvaluationLocked as e:
            messages.error(request, str(e))
            return redirect("evaluations:detail", evaluation_id=evaluation.public_id)
        if problems is None:
            messages.success(request, "Draft saved.")
            if request.POST.get("then") == "review":
                return redirect("evaluations:detail", evaluation_id=evaluation.public_id)
            return redirect("evaluations:edit", evaluation_id=evaluation.public_id)
    if request.method == "GET":
        audit.record(
            actor=request.user,
            action=AuditAction.EVALUATION_VIEWED,
            target=evaluation,
            patient=evaluation.patient,
            detail={"page": "edit"},
        )
    context = {
        **_form_context(request, evaluation, form, formsets),
        "problems": problems,
        "measures": evaluation.measures.order_by("instrument"),
        "measure_form": MeasureForm(),
    }
    return render(request, "evaluations/evaluation_form.html", context)


def _detail_context(
    request: ClinicRequest, evaluation: Evaluation, clearance_form: ClearanceForm | None = None
) -> dict:
    user = request.user
    is_signer = evaluation.practitioner.user_id == user.pk
    return {
        "can_record_clearance": bool(evaluation.red_flags)
        and user.has_perm(roles.ADD_EVALUATION)
        and hasattr(user, "practitioner"),
        "clearance_form": clearance_form or ClearanceForm(evaluation=evaluation),
        **evaluation_context(evaluation),
        "missing": services.missing_for_signature(evaluation) if not evaluation.is_signed else [],
        "can_edit": not evaluation.is_signed and user.has_perm(roles.ADD_EVALUATION),
        "can_discard": not evaluation.is_signed and is_signer and user.has_perm(roles.ADD_EVALUATION),
        "can_sign": not evaluation.is_signed and is_signer and user.has_perm(roles.SIGN_EVALUATION),
        "can_add_addendum": evaluation.is_signed
        and user.has_perm(roles.ADD_ADDENDUM)
        and (is_signer or user.has_perm(roles.MANAGE_STAFF)),
        "addendum_form": AddendumForm(),
    }


@staff_view(roles.VIEW_EVALUATION)
@require_GET
def detail(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    audit.record(
        actor=request.user, action=AuditAction.EVALUATION_VIEWED, target=evaluation, patient=evaluation.patient
    )
    return render(request, "evaluations/evaluation_detail.html", _detail_context(request, evaluation))


@staff_view(roles.VIEW_EVALUATION)
@require_GET
def report_pdf(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    """The printable evaluation report."""
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    audit.record(
        actor=request.user,
        action=AuditAction.EVALUATION_VIEWED,
        target=evaluation,
        patient=evaluation.patient,
        detail={"format": "pdf"},
    )
    context = {**evaluation_context(evaluation), "organization": request.organization, "figure": body_figure()}
    response = HttpResponse(render_pdf("evaluations/report.html", context), content_type="application/pdf")
    filename = f"evaluation-{evaluation.patient.mrn}-{evaluation.evaluated_on:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@staff_view(roles.SIGN_EVALUATION)
@require_POST
def sign(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    try:
        services.sign_evaluation(actor=request.user, evaluation=evaluation)
    except services.EvaluationError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, "Evaluation signed. It is now locked; corrections go in addenda.")
    return redirect("evaluations:detail", evaluation_id=evaluation.public_id)


@staff_view(roles.ADD_EVALUATION)
@require_POST
def discard(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    """Discard an unsigned draft (its author only); back to the chart, or to the evaluation when refused."""
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    try:
        services.discard_evaluation(actor=request.user, evaluation=evaluation)
    except services.EvaluationError as e:
        messages.error(request, str(e))
        return redirect("evaluations:detail", evaluation_id=evaluation.public_id)
    messages.success(request, f"The draft {evaluation.get_kind_display().lower()} was discarded.")
    return redirect(evaluation.patient.get_chart_url())


@staff_view(roles.ADD_ADDENDUM)
@require_POST
def addendum(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(actor=request.user, evaluation=evaluation, text=form.cleaned_data["text"])
        except (services.EvaluationError, ValidationError) as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Write the addendum before saving it.")
    return redirect(reverse("evaluations:detail", args=[evaluation.public_id]) + "#addenda")


@staff_view(roles.ADD_EVALUATION)
@require_POST
def clearance(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    """Record a referral or a clearance for a red flag the evaluation raised; the page again with the form's
    errors when anything is wrong (nothing saved)."""
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    form = ClearanceForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        try:
            done = services.record_clearance(actor=request.user, evaluation=evaluation, **form.cleaned_data)
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except services.EvaluationError as e:
            messages.error(request, str(e))
            return redirect(reverse("evaluations:detail", args=[evaluation.public_id]) + "#red-flags")
        else:
            # Only this flag: another may still hold treatment, as the list of red flags shows.
            messages.success(request, f"Recorded: {done.get_flag_display()}, {done.get_kind_display().lower()}.")
            return redirect(reverse("evaluations:detail", args=[evaluation.public_id]) + "#red-flags")
    context = _detail_context(request, evaluation, clearance_form=form)
    return render(request, "evaluations/evaluation_detail.html", context)


@staff_view(roles.ADD_EVALUATION)
@require_http_methods(["GET", "POST"])
def measure(request: ClinicRequest, evaluation_id: UUID) -> HttpResponse:
    """GET: the item inputs of an instrument (htmx). POST: record it at this evaluation."""
    evaluation = queries.get_evaluation_for_user(request.user, evaluation_id)
    return measure_views.take(
        request,
        record=partial(services.record_evaluation_measure, actor=request.user, evaluation=evaluation),
        back=reverse("evaluations:edit", args=[evaluation.public_id]) + "#measures",
        refused=services.EvaluationLocked,
    )


@staff_view(roles.ADD_EVALUATION)
@require_POST
def measure_preview(request: ClinicRequest) -> HttpResponse:
    """The score of the responses so far, as the practitioner enters them (htmx)."""
    context: dict = {}
    try:
        inst = get_instrument(request.POST.get("instrument", ""))
        context["result"] = score(inst.code, measure_views.responses(request, inst))
    except ValueError as e:
        context["problem"] = str(e)
    return render(request, "measures/_score.html", context)


@staff_view(roles.ADD_EVALUATION)
@require_GET
def icd10_suggestions(request: ClinicRequest) -> HttpResponse:
    """Billable ICD-10-CM codes matching a code prefix or words, as <option>s for a datalist (htmx)."""
    matches = search_icd10(request.GET.get("q", ""), limit=20)
    return render(request, "evaluations/evaluation_form.html#icd-options", {"matches": matches})
