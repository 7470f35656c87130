from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import make_user
from fascia.core.models import Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.practitioners.models import CourseRecord, Credential, CredentialAlert, Practitioner

CLINIC = ZoneInfo("America/New_York")
CPR_EXPIRES = date(2027, 3, 31)


def run_on(day: date) -> str:
    """Run the daily command as cron would on `day` (mid-morning, the clinic's time); its output."""
    out = StringIO()
    with (
        time_machine.travel(datetime.combine(day, time(9), tzinfo=CLINIC), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),  # the emails leave once the claims commit
    ):
        call_command("credential_alerts", stdout=out)
    return out.getvalue()


def credential(practitioner: Practitioner, **fields: object) -> Credential:
    defaults = {
        "kind": Credential.Kind.CPR,
        "name": "CPR and first aid",
        "issuing_body": "American Red Cross",
        "issued_on": date(2025, 3, 31),
        "expires_on": CPR_EXPIRES,
    }
    return Credential.objects.create(practitioner=practitioner, **{**defaults, **fields})


def practitioner_for(organization: Organization, username: str, npi: str, *, active: bool = True) -> Practitioner:
    user = make_user(organization, username, Role.PRACTITIONER, active=active)
    user.email = f"{username}@example.com"
    user.save()
    return Practitioner.objects.create(
        user=user, npi=with_check_digit(npi), license_number="MA60000099", license_state="WA"
    )


@pytest.fixture
def tess_emailed(tess: User) -> Practitioner:
    tess.email = "tess@example.com"
    tess.save()
    return tess.practitioner


@pytest.fixture
def ada_emailed(ada: User) -> User:
    ada.email = "ada@example.com"
    ada.save()
    return ada


class TestExpiryAlerts:
    def test_it_alerts_at_90_60_and_30_days_once_each(self, tess_emailed: Practitioner) -> None:
        cpr = credential(tess_emailed)
        sent = []
        for days_left in (120, 91, 90, 89, 75, 60, 45, 31, 30, 29, 10, 1):
            run_on(CPR_EXPIRES - timedelta(days=days_left))
            sent.append(len(mail.outbox))
        assert sent == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3]
        assert [m.to for m in mail.outbox] == [["tess@example.com"]] * 3
        assert "CPR and first aid (CPR / first aid, American Red Cross) expires on Wednesday, March 31, 2027, " in (
            mail.outbox[0].body
        )
        assert "in 90 days." in mail.outbox[0].body and "in 30 days." in mail.outbox[2].body
        keys = set(CredentialAlert.objects.values_list("key", flat=True))
        assert keys == {f"credential-{cpr.pk}-2027-03-31-{threshold}" for threshold in (90, 60, 30)}

    def test_it_sends_the_alert_for_the_smallest_threshold_reached(self, tess_emailed: Practitioner) -> None:
        cpr = credential(tess_emailed)
        run_on(CPR_EXPIRES - timedelta(days=45))
        assert len(mail.outbox) == 1 and "in 45 days" in mail.outbox[0].body
        assert list(CredentialAlert.objects.values_list("key", flat=True)) == [f"credential-{cpr.pk}-2027-03-31-60"]

    def test_it_never_sends_the_same_alert_twice_a_day(self, tess_emailed: Practitioner) -> None:
        credential(tess_emailed)
        first = run_on(CPR_EXPIRES - timedelta(days=20))
        second = run_on(CPR_EXPIRES - timedelta(days=20))
        assert len(mail.outbox) == 1
        assert first == "1 credential alert email(s) sent, covering 1 item(s).\n"
        assert second == "0 credential alert email(s) sent, covering 0 item(s).\n"
        event = AuditEvent.objects.get(action=AuditAction.CREDENTIAL_ALERT_SENT)
        assert event.actor is None and event.target_id == str(tess_emailed.public_id)

    def test_an_expired_credential_is_alerted_once(self, tess_emailed: Practitioner) -> None:
        cpr = credential(tess_emailed)
        for day in (CPR_EXPIRES, CPR_EXPIRES + timedelta(days=1), CPR_EXPIRES + timedelta(days=40)):
            run_on(day)
        assert len(mail.outbox) == 2  # the 30-day alert (sent on the day itself), then "expired"
        assert "expires on Wednesday, March 31, 2027, today." in mail.outbox[0].body
        assert mail.outbox[1].subject.startswith("Credential expired")
        assert "expired on Wednesday, March 31, 2027" in mail.outbox[1].body
        assert CredentialAlert.objects.filter(key=f"credential-{cpr.pk}-2027-03-31-expired").count() == 1

    def test_a_renewed_credential_is_alerted_again_before_its_new_date(self, tess_emailed: Practitioner) -> None:
        cpr = credential(tess_emailed)
        run_on(CPR_EXPIRES - timedelta(days=30))
        cpr.expires_on = date(2029, 3, 31)
        cpr.save()
        run_on(date(2029, 3, 1))
        assert len(mail.outbox) == 2 and "March 31, 2029" in mail.outbox[1].body

    def test_inactive_credentials_and_those_without_an_expiry_are_not_alerted(self, tess_emailed: Practitioner) -> None:
        credential(tess_emailed, status=Credential.Status.REVOKED)
        credential(tess_emailed, kind=Credential.Kind.INSURANCE, name="Liability", expires_on=None)
        assert run_on(CPR_EXPIRES - timedelta(days=10)).startswith("0 credential alert")
        assert mail.outbox == []


class TestContinuingEducationAlerts:
    @pytest.fixture
    def license_(self, tess_emailed: Practitioner) -> Credential:
        # Washington: 24 hours every two years, with 8 hands-on, 4 ethics and 2 health equity.
        license_ = credential(
            tess_emailed,
            kind=Credential.Kind.LICENSE,
            name="Washington LMT",
            issuing_body="Washington State Department of Health",
            state="WA",
            number="MA60000001",
            issued_on=date(2023, 1, 31),
            expires_on=date(2027, 1, 31),
        )
        CourseRecord.objects.create(
            practitioner=tess_emailed,
            title="Myofascial release of the neck",
            provider="NW Institute",
            category="hands-on",
            hours=Decimal("16"),
            started_on=date(2025, 6, 1),
            completed_on=date(2025, 6, 2),
        )
        return license_

    def test_it_says_which_hours_are_missing_by_when(self, license_: Credential) -> None:
        run_on(date(2026, 12, 2))  # 60 days before the license and its CE cycle end
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        assert "Washington LMT (State massage therapy license no. MA60000001, Washington State Department of " in body
        assert (
            "Renewing Washington LMT takes continuing education still missing by Sunday, January 31, 2027 "
            "(in 60 days): 4 hours of ethics, boundaries, communication, laws; 2 hours of health equity; "
            "8 hours in total. So far 16 of 24 hours count toward this cycle." in body
        )
        assert set(CredentialAlert.objects.values_list("key", flat=True)) == {
            f"credential-{license_.pk}-2027-01-31-60",
            f"ce-{license_.pk}-2027-01-31-60",
        }

    def test_no_ce_alert_once_the_hours_are_met(self, tess_emailed: Practitioner, license_: Credential) -> None:
        for category, hours in (("ethics", 4), ("health-equity", 2), ("research", 2)):
            CourseRecord.objects.create(
                practitioner=tess_emailed,
                title=category,
                provider="NW Institute",
                category=category,
                hours=hours,
                started_on=date(2026, 2, 1),
                completed_on=date(2026, 2, 1),
            )
        run_on(date(2026, 12, 2))
        assert len(mail.outbox) == 1 and "Renewing" not in mail.outbox[0].body
        assert not CredentialAlert.objects.filter(key__startswith="ce-").exists()

    def test_the_ce_alert_follows_the_cycle_of_a_credential_without_expiry(self, tess_emailed: Practitioner) -> None:
        # NCBTMB: 24 hours every two years, here counted from the issue date.
        board = credential(
            tess_emailed,
            kind=Credential.Kind.BOARD,
            name="Board Certified in Therapeutic Massage",
            issuing_body="NCBTMB",
            issued_on=date(2025, 2, 1),
            expires_on=None,
        )
        run_on(date(2027, 1, 1))
        assert len(mail.outbox) == 1 and "still missing by Sunday, January 31, 2027 (in 30 days)" in (
            mail.outbox[0].body
        )
        assert list(CredentialAlert.objects.values_list("key", flat=True)) == [f"ce-{board.pk}-2027-01-31-30"]


class TestRecipients:
    def test_admins_of_the_organization_are_copied(
        self, organization: Organization, tess_emailed: Practitioner, ada_emailed: User, frank: User
    ) -> None:
        frank.email = "frank@example.com"
        frank.save()
        make_user(organization, "nomail", Role.ADMIN)
        gone = make_user(organization, "gone", Role.ADMIN, active=False)
        gone.email = "gone@example.com"
        gone.save()
        elsewhere = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
        other = make_user(elsewhere, "other", Role.ADMIN)
        other.email = "other-admin@example.com"
        other.save()
        credential(tess_emailed)
        run_on(CPR_EXPIRES - timedelta(days=5))
        (message,) = mail.outbox
        assert message.to == ["tess@example.com"] and message.cc == ["ada@example.com"]

    def test_inactive_practitioners_and_those_without_email_are_skipped(
        self, organization: Organization, tess: User, ada_emailed: User
    ) -> None:
        olga = practitioner_for(organization, "olga", "123456781", active=False)
        credential(olga)
        credential(tess.practitioner)  # tess has no email address
        paul = practitioner_for(organization, "paul", "123456782")
        credential(paul)
        run_on(CPR_EXPIRES - timedelta(days=5))
        assert [m.to for m in mail.outbox] == [["paul@example.com"]]
        assert list(CredentialAlert.objects.values_list("practitioner", flat=True)) == [paul.pk]
