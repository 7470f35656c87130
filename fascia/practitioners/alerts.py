"""Email alerts before credentials expire and while CE hours are missing, each sent once.

Run daily (`fascia credential_alerts`). An item is alerted when it crosses 90, 60 and 30 days
before its date, and once more when a credential has expired. The alert for the smallest threshold
reached is the one sent, so a credential first seen 45 days before expiry gets the 60-day alert
now and the 30-day alert later, never a belated 90-day one.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.core.roles import Role
from fascia.practitioners.credentials import Standing, standing
from fascia.practitioners.models import CECategory, Credential, CredentialAlert, Practitioner, RenewalRequirement

THRESHOLDS = (30, 60, 90)


@dataclass(frozen=True)
class Item:
    """One thing to tell the practitioner about, and the key that keeps it from being told twice."""

    key: str
    text: str


def _threshold(days_left: int) -> int | None:
    return next((t for t in THRESHOLDS if days_left <= t), None)


def _day(d: date) -> str:
    return f"{d:%A}, {d:%B} {d.day}, {d.year}"


def _in(days: int) -> str:
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def _number(h: Decimal) -> str:
    return format(h.normalize(), "f")  # 4.0 -> "4", 2.5 -> "2.5"


def _hours(h: Decimal) -> str:
    return "1 hour" if h == 1 else f"{_number(h)} hours"


def _described(credential: Credential) -> str:
    number = f" no. {credential.number}" if credential.number else ""
    return f"{credential.name} ({credential.get_kind_display()}{number}, {credential.issuing_body})"


def _expiry(s: Standing) -> Item | None:
    credential = s.credential
    if credential.status != Credential.Status.ACTIVE or credential.expires_on is None or s.days_left is None:
        return None
    if s.days_left < 0:
        return Item(
            f"credential-{credential.pk}-{credential.expires_on}-expired",
            f"{_described(credential)} expired on {_day(credential.expires_on)}. Renew it and give the clinic a copy.",
        )
    threshold = _threshold(s.days_left)
    if threshold is None:
        return None
    return Item(
        f"credential-{credential.pk}-{credential.expires_on}-{threshold}",
        f"{_described(credential)} expires on {_day(credential.expires_on)}, {_in(s.days_left)}.",
    )


def _shortfall(s: Standing) -> Item | None:
    credential, progress = s.credential, s.progress
    if credential.status != Credential.Status.ACTIVE or progress is None or not progress.missing:
        return None
    # A cycle that has ended is the expired credential's business, alerted above.
    threshold = _threshold(progress.days_left) if progress.days_left >= 0 else None
    if threshold is None:
        return None
    parts = [
        f"{_hours(hours)} of {CECategory(category).label.lower()}"
        for category, hours in progress.missing.items()
        if category != "total"
    ]
    if "total" in progress.missing:
        parts.append(f"{_hours(progress.missing['total'])} in total")
    ends = progress.cycle.ends
    return Item(
        f"ce-{credential.pk}-{ends}-{threshold}",
        f"Renewing {credential.name} takes continuing education still missing by {_day(ends)} "
        f"({_in(progress.days_left)}): {'; '.join(parts)}. So far {_number(progress.counted)} of "
        f"{_hours(progress.required)} count toward this cycle.",
    )


def items(s: Standing) -> list[Item]:
    """What to alert about one credential today: its expiry, and the CE its renewal still lacks."""
    return [item for item in (_expiry(s), _shortfall(s)) if item is not None]


def _message(practitioner: Practitioner, sent: list[Item], cc: list[str]) -> EmailMessage:
    user = practitioner.user
    lines = "\n".join(f"- {item.text}" for item in sent)
    body = (
        f"Hello {user.first_name or user.get_full_name() or user.username},\n\n"
        f"Fascia keeps track of your credentials and continuing education. These need your attention:\n\n"
        f"{lines}\n\nWhen you have renewed a credential or completed a course, record it in Fascia "
        "(or give the clinic a copy) so it counts.\n"
    )
    subject = "Credential expired" if any(i.key.endswith("-expired") for i in sent) else "Credentials to renew"
    return EmailMessage(subject=f"{subject}: {practitioner}", body=body, to=[user.email], cc=cc)


def _admin_emails(organization_id: int | None) -> list[str]:
    if organization_id is None:
        return []
    admins = User.objects.filter(organization_id=organization_id, groups__name=Role.ADMIN, is_active=True)
    return sorted(set(admins.exclude(email="").values_list("email", flat=True)))


def send_credential_alerts(today: date | None = None) -> tuple[int, int]:
    """Email each active practitioner what is due, copying their organization's admins.
    Returns (emails sent, items alerted).

    Each alert is claimed by inserting its CredentialAlert row before the email goes out, in one
    transaction per practitioner: a run overlapping another waits on the unique key and then finds
    the row, so nothing is sent twice; a failed send rolls the claims back for the next run.
    """
    today = today or timezone.localdate()
    requirements = list(RenewalRequirement.objects.all())
    practitioners = (
        Practitioner.objects.filter(user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .prefetch_related("credentials", "courses")
        .order_by("pk")
    )
    admins: dict[int | None, list[str]] = {}
    emails = alerted = 0
    for practitioner in practitioners:
        due = [item for s in standing(practitioner, today, requirements=requirements) for item in items(s)]
        if not due:
            continue
        with transaction.atomic():
            sent = [
                item
                for item in due
                if CredentialAlert.objects.get_or_create(practitioner=practitioner, key=item.key)[1]
            ]
            if not sent:
                continue
            organization_id = practitioner.user.organization_id
            if organization_id not in admins:
                admins[organization_id] = _admin_emails(organization_id)
            cc = [e for e in admins[organization_id] if e != practitioner.user.email]
            _message(practitioner, sent, cc).send()
            audit.record(
                actor=None,
                action=AuditAction.CREDENTIAL_ALERT_SENT,
                target=practitioner,
                detail={"keys": [item.key for item in sent]},
            )
        emails += 1
        alerted += len(sent)
    return emails, alerted
