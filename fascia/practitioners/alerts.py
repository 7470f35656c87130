"""Email alerts before credentials expire and while CE hours are missing, each sent once.

Run daily (`fascia credential_alerts`). An item is alerted when it crosses 90, 60 and 30 days
before its date, and once more when a credential has expired. The alert for the smallest threshold
reached is the one sent, so a credential first seen 45 days before expiry gets the 60-day alert
now and the 30-day alert later, never a belated 90-day one.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from fascia.audit.models import AuditAction
from fascia.core.models import User
from fascia.core.roles import Role
from fascia.notifications.services import send
from fascia.practitioners.credentials import Standing, standing
from fascia.practitioners.models import CECategory, Credential, CredentialAlert, Practitioner, RenewalRequirement

THRESHOLDS = (30, 60, 90)


@dataclass(frozen=True)
class Item:
    """One thing to tell the practitioner about, and the key that keeps it from being told twice.

    The wording is the template's (notifications/credential_alert.txt); this holds what it needs.
    """

    key: str
    topic: str  # "expiry", "expired" or "ce"
    credential: Credential
    on: date  # the expiry date, or the end of the CE cycle
    days_left: int
    missing: tuple[tuple[str, str], ...] = ()  # CE hours still missing, as (hours, category)
    missing_total: str = ""
    counted: str = ""
    required: str = ""


def _threshold(days_left: int) -> int | None:
    return next((t for t in THRESHOLDS if days_left <= t), None)


def _number(h: Decimal) -> str:
    return format(h.normalize(), "f")  # 4.0 -> "4", 2.5 -> "2.5"


def _expiry(s: Standing) -> Item | None:
    credential = s.credential
    if credential.status != Credential.Status.ACTIVE or credential.expires_on is None or s.days_left is None:
        return None
    if s.days_left < 0:
        key = f"credential-{credential.pk}-{credential.expires_on}-expired"
        return Item(key, "expired", credential, credential.expires_on, s.days_left)
    threshold = _threshold(s.days_left)
    if threshold is None:
        return None
    key = f"credential-{credential.pk}-{credential.expires_on}-{threshold}"
    return Item(key, "expiry", credential, credential.expires_on, s.days_left)


def _shortfall(s: Standing) -> Item | None:
    credential, progress = s.credential, s.progress
    if credential.status != Credential.Status.ACTIVE or progress is None or not progress.missing:
        return None
    # A cycle that has ended is the expired credential's business, alerted above.
    threshold = _threshold(progress.days_left) if progress.days_left >= 0 else None
    if threshold is None:
        return None
    ends = progress.cycle.ends
    return Item(
        f"ce-{credential.pk}-{ends}-{threshold}",
        "ce",
        credential,
        ends,
        progress.days_left,
        missing=tuple(
            (_number(hours), CECategory(category).label.lower())
            for category, hours in progress.missing.items()
            if category != "total"
        ),
        missing_total=_number(progress.missing["total"]) if "total" in progress.missing else "",
        counted=_number(progress.counted),
        required=_number(progress.required),
    )


def items(s: Standing) -> list[Item]:
    """What to alert about one credential today: its expiry, and the CE its renewal still lacks."""
    return [item for item in (_expiry(s), _shortfall(s)) if item is not None]


def _admin_emails(organization_id: int | None) -> list[str]:
    if organization_id is None:
        return []
    admins = User.objects.filter(organization_id=organization_id, groups__name=Role.ADMIN, is_active=True)
    return sorted(set(admins.exclude(email="").values_list("email", flat=True)))


@task()
def send_credential_alerts() -> tuple[int, int]:
    """Email each active practitioner what is due, copying their organization's admins.
    Returns (emails queued, items alerted).

    Each alert is claimed by inserting its CredentialAlert row in the transaction that queues its
    email: a run overlapping another waits on the unique key and then finds the row, so nothing is
    sent twice. The email leaves once that transaction has committed (see fascia.notifications).
    """
    today = timezone.localdate()
    requirements: dict[int | None, list[RenewalRequirement]] = defaultdict(list)  # each organization's own
    for requirement in RenewalRequirement.objects.all():
        requirements[requirement.organization_id].append(requirement)
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
        due = [
            item
            for s in standing(practitioner, today, requirements=requirements[practitioner.user.organization_id])
            for item in items(s)
        ]
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
            send(
                kind="credential_alert",
                recipient=practitioner.user,
                about=practitioner,
                action=AuditAction.CREDENTIAL_ALERT_SENT,
                context={
                    "practitioner": practitioner,
                    "user": practitioner.user,
                    "items": sent,
                    "expired": any(item.topic == "expired" for item in sent),
                },
                cc=[e for e in admins[organization_id] if e != practitioner.user.email],
                detail={"keys": [item.key for item in sent]},
            )
        emails += 1
        alerted += len(sent)
    return emails, alerted
