"""Staff's side of the intake: the review page, each item's accept or reject, and the insurance card photos."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.lib.uploads import document_response
from fascia.patients import intake, queries
from fascia.patients.models import IntakeItem, IntakeSubmission, Patient


def _submission(patient: Patient, submission_id: UUID) -> IntakeSubmission:
    """One of the patient's submitted intakes (a draft is the patient's own until sent), or 404."""
    submission = (
        IntakeSubmission.objects.filter(patient=patient, public_id=submission_id)
        .exclude(status=IntakeSubmission.Status.DRAFT)
        .first()
    )
    if submission is None:
        raise Http404("No such intake.")
    submission.patient = patient
    return submission


@staff_view(roles.VIEW_HISTORY)
@require_GET
def intake_review(request: ClinicRequest, patient_id: UUID, submission_id: UUID) -> HttpResponse:
    """What the patient's intake says, item by item, against the chart as it is now: new, changed or already
    there, with Accept and Reject for the items the viewer may decide."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    submission = _submission(patient, submission_id)
    items = list(submission.items.select_related("decided_by"))
    chart = intake.chart_entries(patient)
    reviewed = intake.review_items(patient, items, request.user, chart)
    audit.record(actor=request.user, action=AuditAction.INTAKE_VIEWED, target=submission, patient=patient)
    context = {
        "patient": patient,
        "submission": submission,
        "pending": [r for r in reviewed if r.item.decision == IntakeItem.Decision.PENDING],
        "decided": [r for r in reviewed if r.item.decision != IntakeItem.Decision.PENDING],
        "may_decide_any": any(r.can_decide for r in reviewed),
        "can_view_cards": request.user.has_perm(roles.VIEW_PATIENT),
    }
    return render(request, "patients/intake_review.html", context)


@staff_view(roles.VIEW_HISTORY)
@require_POST
def intake_decide(request: ClinicRequest, patient_id: UUID, submission_id: UUID, item_id: UUID) -> HttpResponse:
    """Accept or reject one item (POST decision=accept|reject)."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    submission = _submission(patient, submission_id)
    item = submission.items.filter(public_id=item_id).first()
    if item is None:
        raise Http404("No such item.")
    if not request.user.has_perm(intake.ITEM_PERMISSION[item.kind]):
        raise PermissionDenied
    decision = request.POST.get("decision", "")
    back = redirect("patients:intake_review", patient_id=patient.public_id, submission_id=submission.public_id)
    if decision not in ("accept", "reject"):
        messages.error(request, "Choose Accept or Reject.")
        return back
    try:
        intake.decide_intake_item(actor=request.user, item=item, accept=decision == "accept")
    except intake.IntakeError as e:
        messages.error(request, str(e))
    except ValidationError as e:
        messages.error(request, f"“{item}” could not be written into the chart: {' '.join(e.messages)}")
    else:
        messages.success(request, f"{item.get_kind_display()}: {'accepted' if decision == 'accept' else 'rejected'}.")
    return back


@staff_view(roles.VIEW_PATIENT)
@require_GET
def intake_card(request: ClinicRequest, patient_id: UUID, submission_id: UUID, side: str) -> FileResponse:
    """A photo of the insurance card the patient uploaded with the intake, to staff of the clinic only, audited."""
    if side not in ("front", "back"):
        raise Http404("No such side.")
    patient = queries.get_patient_for_user(request.user, patient_id)
    submission = _submission(patient, submission_id)
    stored = getattr(submission, f"card_{side}")
    if not stored:
        raise Http404("No card uploaded.")
    audit.record(
        actor=request.user,
        action=AuditAction.INTAKE_CARD_VIEWED,
        target=submission,
        patient=patient,
        detail={"side": side},
    )
    return document_response(stored)
