"""Sending the plan of care or a progress report to the referring provider: a PDF, previewed, then logged."""

from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import Organization, User
from fascia.lib.pdf import render_pdf
from fascia.plans.models import TreatmentPlan
from fascia.plans.pdf import letter_context, letter_title
from fascia.plans.services import PlanError
from fascia.referrals.models import Correspondence
from fascia.referrals.services import record_correspondence

KINDS: dict[str, str] = {
    Correspondence.Kind.PLAN_OF_CARE: "Plan of care",
    Correspondence.Kind.PROGRESS_REPORT: "Progress report",
}


def _letter_pdf(
    *, actor: User, organization: Organization, plan: TreatmentPlan, kind: str, recommendation: str
) -> bytes:
    """The letter's PDF, refused (PlanError) when this plan cannot have it."""
    if kind not in KINDS:
        raise PlanError("Choose a plan-of-care letter or a progress report.")
    if plan.referral is None:
        raise PlanError("Record the referral this plan answers first: the letter goes to its provider.")
    if plan.status == TreatmentPlan.Status.DRAFT and kind == Correspondence.Kind.PROGRESS_REPORT:
        raise PlanError("A progress report is for an active plan.")
    context = {
        **letter_context(plan, kind=kind, recommendation=recommendation, pictures=True),
        "organization": organization,
        "sent_on": timezone.localdate(),
        "author": actor,
    }
    return render_pdf("plans/letter.html", context)


def preview_letter(
    *, actor: User, organization: Organization, plan: TreatmentPlan, kind: str, recommendation: str = ""
) -> bytes:
    """The letter as it would be sent, logged nowhere but the audit trail (it shows the patient's record)."""
    pdf = _letter_pdf(actor=actor, organization=organization, plan=plan, kind=kind, recommendation=recommendation)
    audit.record(
        actor=actor, action=AuditAction.LETTER_PREVIEWED, target=plan, patient=plan.patient, detail={"kind": kind}
    )
    return pdf


def send_letter(
    *, actor: User, organization: Organization, plan: TreatmentPlan, kind: str, method: str, recommendation: str = ""
) -> Correspondence:
    """Render the letter, store it with the patient's correspondence, and return the log entry.

    The PDF is drawn before record_correspondence() opens its transaction (one write, one audit entry)."""
    pdf = _letter_pdf(actor=actor, organization=organization, plan=plan, kind=kind, recommendation=recommendation)
    assert plan.referral is not None  # _letter_pdf refused a plan without one
    return record_correspondence(
        actor=actor,
        patient=plan.patient,
        provider=plan.referral.provider,
        plan=plan,
        kind=kind,
        direction=Correspondence.Direction.SENT,
        method=method,
        date=timezone.localdate(),
        summary=f"{letter_title(plan, kind)}, version {plan.version}",
        pdf=(f"{kind}.pdf", pdf),
    )
