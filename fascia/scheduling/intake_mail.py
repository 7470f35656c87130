"""Intake sent on booking (issue 27 points 1 and 2): when a visit is booked for a patient who still owes their intake
(patients.intake.intake_due: none sent, no visit completed), the patient hears so by email, once.

With a portal account, an "intake due" email links to the portal's intake; without one (and without an invitation
still open), the clinic's booking policy may invite them to the portal (BookingPolicy.invite_on_booking), the
invitation saying the intake is waiting. A patient without consent to email gets neither (the seam keeps the
message as skipped; an invitation is not made at all).

The links start with `site`: the address the booking was made at when there is a request, else FASCIA_BASE_URL.
Services take it as a string, so they stay free of requests and a command or the API can book as well."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.notifications.models import Notification
from fascia.notifications.services import send
from fascia.patients import accounts, intake
from fascia.patients.models import Patient, PatientAccount, PortalInvitation
from fascia.scheduling.models import Appointment
from fascia.scheduling.online import policy_for

# Two bookings in a row (or a series and then one more visit) tell the patient once: no second "intake due" email
# within this long of the last; an open invitation (INVITATION_DAYS) is not sent again at all.
QUIET = timedelta(days=1)


def ask_for_intake(*, actor: User, appointment: Appointment, site: str = "") -> str:
    """Tell the patient of a booked visit that their intake is due, if it is: "intake_due" (emailed, or kept as
    skipped without consent), "invited", or "" (nothing to send: intake sent, a visit completed, told within QUIET,
    an invitation open, portal access closed, the clinic does not invite on booking, no email address, no site for
    the link). Call it in the booking's transaction: the patient's row is locked, so two bookings at once tell them
    once."""
    patient = Patient.objects.select_for_update().get(pk=appointment.patient_id)
    site = (site or settings.BASE_URL).rstrip("/")
    if not site or not intake.intake_due(patient):
        return ""
    now = timezone.now()
    account = PatientAccount.objects.filter(patient=patient).select_related("user").first()
    if account is not None:
        if not account.user.is_active:  # the clinic closed their portal access: only staff reopen it
            return ""
        told = Notification.objects.filter(patient=patient, kind="intake_due", created_at__gt=now - QUIET)
        if told.exists():
            return ""
        send(
            kind="intake_due",
            recipient=patient,
            about=appointment,
            action=AuditAction.INTAKE_DUE_SENT,
            context={
                "patient": patient,
                "appointment": appointment,
                "url": site + reverse("portal:intake"),
                "clinic": str(patient.organization),
            },
        )
        return "intake_due"
    if not policy_for(patient.organization_id).invite_on_booking or not patient.email:
        return ""
    if PortalInvitation.objects.filter(patient=patient, used_at=None, revoked_at=None, expires_at__gt=now).exists():
        return ""
    try:
        accounts.invite_to_portal(actor=actor, patient=patient, site=site, visit_at=appointment.start_at)
    except accounts.AccountError:  # no consent to email: rolled back, nothing made
        return ""
    return "invited"
