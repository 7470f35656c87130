"""Sending the plan of care or a progress report to the referring provider: a PDF, logged."""

from django.utils import timezone

from fascia.core.models import Organization, User
from fascia.lib.pdf import render_pdf
from fascia.plans.models import TreatmentPlan
from fascia.plans.pdf import letter_context
from fascia.plans.services import PlanError
from fascia.referrals.models import Correspondence
from fascia.referrals.services import record_correspondence

KINDS: dict[str, str] = {
    Correspondence.Kind.PLAN_OF_CARE: "Plan of care",
    Correspondence.Kind.PROGRESS_REPORT: "Progress report",
}


def send_letter(
    *, actor: User, organization: Organization, plan: TreatmentPlan, kind: str, method: str, recommendation: str = ""
) -> Correspondence:
    """Render the letter, store it with the patient's correspondence, and return the log entry."""
    if kind not in KINDS:
        raise PlanError("Choose a plan-of-care letter or a progress report.")
    if plan.referral is None:
        raise PlanError("Record the referral this plan answers first: the letter goes to its provider.")
    if plan.status == TreatmentPlan.Status.DRAFT and kind == Correspondence.Kind.PROGRESS_REPORT:
        raise PlanError("A progress report is for an active plan.")
    context = {
        **letter_context(plan, kind=kind, recommendation=recommendation),
        "organization": organization,
        "sent_on": timezone.localdate(),
        "author": actor,
    }
    pdf = render_pdf("plans/letter.html", context)
    return record_correspondence(
        actor=actor,
        patient=plan.patient,
        provider=plan.referral.provider,
        plan=plan,
        kind=kind,
        direction=Correspondence.Direction.SENT,
        method=method,
        date=timezone.localdate(),
        summary=f"{KINDS[kind]}, version {plan.version}",
        pdf=(f"{kind}.pdf", pdf),
    )
