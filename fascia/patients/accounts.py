"""Patients' portal accounts: the clinic invites, the patient proves who they are (the emailed link and their date
of birth) and chooses a password. Sign-in itself is Django's (fascia.portal's login page): nothing hand-made."""

import secrets
from datetime import date, datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.models import User
from fascia.core.services import remove_totp_devices
from fascia.notifications.models import Notification
from fascia.notifications.services import send
from fascia.patients.models import Patient, PatientAccount, PatientLink, PortalInvitation

INVITATION_DAYS = 7  # long enough to find the email, short enough that an old inbox opens nothing


EMAIL_TAKEN = gettext_lazy("Another portal account uses this email. Choose another, or sign in.")


class AccountError(Exception):
    pass


def token_shape_ok(token: str) -> bool:
    """Whether a string could be one of our tokens (secrets.token_urlsafe(32)); anything else opens nothing."""
    return 20 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)


def check_link_birth_date(*, link: PatientLink, birth_date: date, refused: str) -> bool:
    """Whether `birth_date` is the link's patient's. A wrong one counts towards the lock (MAX_CHECKS) and is
    audited as `refused`. Call it in a transaction, on a link that still opens, on its row locked with
    select_for_update: guesses sent at once are then counted one by one."""
    patient: Patient = link.patient  # type: ignore[attr-defined]  # every concrete PatientLink has one
    if birth_date == patient.birth_date:
        return True
    link.failed_checks += 1
    link.save(update_fields=["failed_checks", "updated_at"])
    audit.record(
        actor=None,
        action=refused,
        target=link,
        patient=patient,
        detail={"failed_checks": link.failed_checks, "locked": link.is_locked},
    )
    return False


def account_of(patient: Patient) -> PatientAccount | None:
    return PatientAccount.objects.filter(patient=patient).select_related("user").first()


@transaction.atomic
def invite_to_portal(*, actor: User, patient: Patient, site: str, visit_at: datetime | None = None) -> PortalInvitation:
    """Email the patient a link to open their portal account, replacing any earlier invitation; `site` is the
    address the link starts with; `visit_at`, the visit just booked, when the email should also say the intake is
    waiting before it (fascia.scheduling.intake_mail); for a closed account, the invitation reopens it. Refused,
    changing nothing, for a patient who has an open account, or who cannot get the email (no address, or no consent
    to email): the reason is the AccountError."""
    if PatientAccount.objects.filter(patient=patient, user__is_active=True).exists():
        raise AccountError(_("This patient already has a portal account."))
    if not patient.is_active:
        raise AccountError(_("This patient is inactive: mark them active again before inviting them."))
    if not patient.email:
        raise AccountError(_("Add the patient's email address first: the invitation is sent by email."))
    now = timezone.now()
    PortalInvitation.objects.filter(patient=patient, used_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation.objects.create(
        patient=patient,
        email=patient.email,
        token_hash=PortalInvitation.hash(token),
        expires_at=now + timedelta(days=INVITATION_DAYS),
        created_by=actor,
    )
    audit.record(actor=actor, action=AuditAction.PORTAL_INVITATION_SENT, target=invitation, patient=patient)
    notification = send(
        kind="portal_invitation",
        recipient=patient,
        about=invitation,
        action=AuditAction.PORTAL_INVITATION_EMAILED,
        context={
            "patient": patient,
            "url": site.rstrip("/") + reverse("portal:invitation", args=[token]),
            "expires_on": timezone.localdate(invitation.expires_at),
            "clinic": str(patient.organization),
            "visit_at": visit_at,
        },
    )
    if notification.status == Notification.Status.SKIPPED:
        raise AccountError(f"Not sent: the patient has {notification.reason}.")
    return invitation


def invitation_for_token(token: str) -> PortalInvitation | None:
    """The invitation a token opens, whatever its state; None for a token that opens none (any string at all)."""
    if not token_shape_ok(token):
        return None
    return (
        PortalInvitation.objects.select_related("patient__organization")
        .filter(token_hash=PortalInvitation.hash(token))
        .first()
    )


def invitation_problem(invitation: PortalInvitation) -> str:
    """Why the invitation no longer opens, or "" while it does."""
    if (
        invitation.used_at is not None
        or PatientAccount.objects.filter(patient_id=invitation.patient_id, user__is_active=True).exists()
    ):
        return _("This invitation has been used. Sign in with the email and password you chose.")
    if invitation.revoked_at is not None:
        return _("A newer invitation replaced this one: please use the link in the latest email from the clinic.")
    if invitation.is_locked:
        return _("This invitation is locked after too many wrong dates of birth. Please call the clinic for a new one.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Please call the clinic for a new one.")
    return ""


@transaction.atomic
def check_invitation_birth_date(*, invitation: PortalInvitation, birth_date: date) -> bool:
    """Whether `birth_date` is the patient's (a wrong one counts towards the lock); an invitation that no longer
    opens is refused (AccountError)."""
    invitation = PortalInvitation.objects.select_for_update().select_related("patient").get(pk=invitation.pk)
    problem = invitation_problem(invitation)
    if problem:
        raise AccountError(problem)
    return check_link_birth_date(link=invitation, birth_date=birth_date, refused=AuditAction.PORTAL_INVITATION_REFUSED)


@transaction.atomic
def open_account(*, invitation: PortalInvitation, email: str, password: str, language: str = "") -> User:
    """The patient's account, opened through a checked invitation with the email and password they chose
    (Django's password validators; an email no other portal account uses); a closed account of the patient's
    is reopened with them, its authenticator app (two-step sign-in) forgotten. Bad input is a ValidationError
    and changes nothing; an invitation that no longer opens, an AccountError. `language`: the portal's language
    as they opened it, kept as the language of their emails (one of settings.LANGUAGES; anything else is not)."""
    invitation = PortalInvitation.objects.select_for_update().select_related("patient").get(pk=invitation.pk)
    problem = invitation_problem(invitation)
    if problem:
        raise AccountError(problem)
    patient = invitation.patient
    email = email.strip()
    closed = PatientAccount.objects.select_for_update().select_related("user").filter(patient=patient).first()
    taken = User.objects.filter(is_patient_account=True, email__iexact=email)
    if closed:
        taken = taken.exclude(pk=closed.user_id)  # the closed account may keep its own email
    if taken.exists():
        raise ValidationError({"email": EMAIL_TAKEN})
    user = (
        closed.user
        if closed
        else User(
            username=f"patient-{uuid4().hex}",  # never typed: patients sign in with their email
            first_name=patient.preferred_name or patient.given_name,
            last_name=patient.family_name,
            organization_id=patient.organization_id,
            is_patient_account=True,
        )
    )
    user.email = email
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.is_active = True
    try:
        with transaction.atomic():
            user.save(force_insert=not closed)
    except IntegrityError as error:  # the same email, opened at the same moment (User's constraint)
        raise ValidationError({"email": EMAIL_TAKEN}) from error
    if closed:
        closed.invitation = invitation
        closed.save(update_fields=["invitation", "updated_at"])
        # A fresh start, as for a patient who lost their phone: the clinic closes the account and invites again.
        remove_totp_devices(user=user)
    else:
        PatientAccount.objects.create(user=user, patient=patient, invitation=invitation)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at", "updated_at"])
    chosen = language in dict(settings.LANGUAGES)
    if chosen:
        patient.preferred_language = language
        patient.save(update_fields=["preferred_language", "updated_at"])
    audit.record(
        actor=user,
        action=AuditAction.PORTAL_ACCOUNT_REOPENED if closed else AuditAction.PORTAL_ACCOUNT_CREATED,
        target=invitation,
        patient=patient,
        detail={"preferred_language": language} if chosen else {},
    )
    return user


@transaction.atomic
def close_account(*, actor: User, account: PatientAccount) -> PatientAccount:
    """Close a patient's portal account: they can no longer sign in, their open sessions end at their next
    request (Django's backend refuses an inactive user's session), and invitations not yet used are revoked.
    The account stays, with everything it did: a new invitation reopens it. Closing a closed one is refused."""
    account = PatientAccount.objects.select_for_update().select_related("user", "patient").get(pk=account.pk)
    user = account.user
    if not user.is_active:
        raise AccountError("This portal account is already closed.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = PortalInvitation.objects.filter(patient=account.patient, used_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    audit.record(
        actor=actor,
        action=AuditAction.PORTAL_ACCOUNT_CLOSED,
        target=account,
        patient=account.patient,
        detail={"invitations_revoked": revoked},
    )
    return account


def chart_context(patient: Patient, user: User) -> dict:
    """The chart's "Patient portal" section: the account and its state (open since the invitation that last
    opened it, last sign-in, or closed), and the latest invitation when there is no open account."""
    account = PatientAccount.objects.filter(patient=patient).select_related("user", "invitation").first()
    is_open = account is not None and account.user.is_active
    invitation = None if is_open else PortalInvitation.objects.filter(patient=patient).first()
    if account and invitation and invitation.pk == account.invitation_id:
        invitation = None  # the one that opened the now closed account: nothing more to say of it
    may_invite = user.has_perm(roles.INVITE_TO_PORTAL)
    return {
        "account": account,
        "is_open": is_open,
        "invitation": invitation,
        "invitation_problem": invitation_problem(invitation) if invitation else "",
        "can_invite": not is_open and may_invite,
        "can_close": is_open and may_invite,
    }
