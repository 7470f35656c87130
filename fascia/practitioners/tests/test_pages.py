"""The credential pages: the practitioner's own, the admin's compliance overview, uploads, the transcript."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.lib.uploads import MAX_UPLOAD_BYTES
from fascia.practitioners.models import CourseRecord, Credential, Practitioner
from fascia.practitioners.tests.factories import (
    PDF,
    course,
    credential,
    pdf_upload,
    wa_license,
)
from fascia.techniques.models import Technique


def practitioner_user(organization: Organization, username: str, npi: str) -> User:
    user = make_user(organization, username, Role.PRACTITIONER)
    Practitioner.objects.create(
        user=user, credential_suffix="LMT", npi=with_check_digit(npi), license_number="MA1", license_state="WA"
    )
    return user


def detail_url(user: User) -> str:
    return reverse("practitioners:detail", args=[user.practitioner.public_id])


def progress_now(html: str) -> int:
    match = re.search(r'role="progressbar"[^>]*aria-valuenow="(\d+)"', html)
    assert match, "no progress bar"
    return int(match.group(1))


def course_data(**overrides: object) -> dict:
    today = timezone.localdate()
    return {
        "course-title": "Boundaries in clinical massage",
        "course-provider": "NW Institute",
        "course-approval_number": "WA-123",
        "course-category": "ethics",
        "course-hours": "6",
        "course-live": "on",
        "course-started_on": (today - timedelta(days=10)).isoformat(),
        "course-completed_on": (today - timedelta(days=10)).isoformat(),
        **overrides,
    }


def credential_data(**overrides: object) -> dict:
    today = timezone.localdate()
    return {
        "credential-kind": "cpr",
        "credential-name": "CPR and first aid",
        "credential-issuing_body": "American Red Cross",
        "credential-number": "RC-55",
        "credential-issued_on": (today - timedelta(days=30)).isoformat(),
        "credential-expires_on": (today + timedelta(days=700)).isoformat(),
        "credential-status": "active",
        **overrides,
    }


class TestOwnPage:
    def test_the_practitioner_sees_her_credentials_and_ce_progress(self, client: Client, tess: User) -> None:
        license = wa_license(tess.practitioner, expires_in=200)
        credential(tess.practitioner, Credential.Kind.CPR, expires_on=timezone.localdate() + timedelta(days=30))
        course(tess.practitioner, 8, "hands-on", timezone.localdate() - timedelta(days=40), title="Myofascial I")
        login(client, tess)
        r = client.get(reverse("practitioners:mine"))
        assert r.status_code == 200
        body = r.content.decode()
        assert "Washington LMT" in body and "MA60000001" in body and "Current" in body
        assert "Expires in 30 days" in body
        assert "Myofascial I" in body
        assert progress_now(body) == 33  # 8 of 24 hours
        assert "w-pct-35" in body
        (row,) = [row for row in r.context["rows"] if row.progress]
        assert row.credential == license and row.progress.cycle.ends == license.expires_on
        assert f"{row.progress.cycle.starts:%Y-%m-%d} to {license.expires_on:%Y-%m-%d}" in body
        assert "Ethics, boundaries, communication, laws" in body  # a category still short
        assert row.progress.missing == {"ethics": 4, "health-equity": 2, "total": 16}

    def test_an_expired_credential_is_flagged(self, client: Client, tess: User) -> None:
        wa_license(tess.practitioner, expires_in=-3)
        login(client, tess)
        body = client.get(detail_url(tess)).content.decode()
        assert f"Expired {timezone.localdate() - timedelta(days=3):%Y-%m-%d}" in body

    def test_an_account_without_a_practitioner_profile_has_no_own_page(self, client: Client, ada: User) -> None:
        login(client, ada)
        assert client.get(reverse("practitioners:mine")).status_code == 403

    def test_she_records_a_course_with_its_certificate(self, client: Client, tess: User) -> None:
        wa_license(tess.practitioner)
        login(client, tess)
        before = progress_now(client.get(detail_url(tess)).content.decode())
        r = client.post(
            reverse("practitioners:course_add", args=[tess.practitioner.public_id]),
            {**course_data(), "course-certificate": pdf_upload("certificate.pdf")},
        )
        assert r.status_code == 302 and r.url == detail_url(tess)
        saved = CourseRecord.objects.get()
        assert saved.certificate_type == "application/pdf" and saved.certificate.name.startswith("credentials/")
        after = client.get(detail_url(tess)).content.decode()
        assert progress_now(after) == before + 25  # 6 of 24 hours
        assert AuditEvent.objects.filter(action=AuditAction.COURSE_RECORDED, actor=tess).exists()

    def test_an_admin_records_her_credential_with_its_copy(self, client: Client, tess: User, ada: User) -> None:
        url = reverse("practitioners:credential_add", args=[tess.practitioner.public_id])
        login(client, tess)  # credentials grant privileges: she cannot record her own
        assert client.post(url, {**credential_data(), "credential-document": pdf_upload()}).status_code == 403
        assert "add-credential" not in client.get(detail_url(tess)).content.decode()
        login(client, ada)
        r = client.post(url, {**credential_data(), "credential-document": pdf_upload()})
        assert r.status_code == 302
        saved = Credential.objects.get()
        assert (saved.kind, saved.practitioner, saved.document_type) == ("cpr", tess.practitioner, "application/pdf")

    def test_a_colleague_sees_neither_the_page_nor_the_copy(
        self, client: Client, tess: User, organization: Organization
    ) -> None:
        held = credential(
            tess.practitioner, Credential.Kind.CPR, document=pdf_upload(), document_type="application/pdf"
        )
        pat = practitioner_user(organization, "pat", "123456781")
        login(client, pat)
        assert client.get(detail_url(tess)).status_code == 403
        assert client.get(reverse("practitioners:transcript", args=[tess.practitioner.public_id])).status_code == 403
        assert client.get(reverse("practitioners:document", args=[held.public_id, "credential"])).status_code == 403
        r = client.post(reverse("practitioners:course_add", args=[tess.practitioner.public_id]), course_data())
        assert r.status_code == 403 and not CourseRecord.objects.exists()

    def test_another_clinic_gets_404(self, client: Client, tess: User) -> None:
        other = Organization.objects.create(
            legal_name="Other Clinic", tax_id="98-7654321", group_npi=with_check_digit("987654321")
        )
        stranger = make_user(other, "stranger", Role.ADMIN)
        login(client, stranger)
        assert client.get(detail_url(tess)).status_code == 404

    def test_front_desk_is_refused(self, client: Client, tess: User, frank: User) -> None:
        login(client, frank)
        assert client.get(detail_url(tess)).status_code == 403
        assert client.get(reverse("practitioners:mine")).status_code == 403


class TestBadInput:
    """Each mistake is a field error on the page, and nothing is saved."""

    @pytest.fixture
    def licensed(self, tess: User) -> User:
        wa_license(tess.practitioner)
        return tess

    def post_course(self, client: Client, user: User, **data: object) -> object:
        login(client, user)
        return client.post(reverse("practitioners:course_add", args=[user.practitioner.public_id]), course_data(**data))

    @pytest.mark.parametrize(
        "data, field, message",
        [
            ({"course-hours": "0"}, "hours", "greater than or equal to 0.5"),
            ({"course-hours": "-2"}, "hours", "greater than or equal to 0.5"),
            (
                {"course-hours": "250", "course-started_on": f"{timezone.localdate() - timedelta(days=60)}"},
                "hours",
                "less than or equal to 100",
            ),
            ({"course-hours": "30"}, "hours", "more than 12 a day"),
            ({"course-hours": "abc"}, "hours", "Enter a number"),
            ({"course-title": ""}, "title", "required"),
        ],
    )
    def test_impossible_hours_or_missing_fields(
        self, client: Client, licensed: User, data: dict, field: str, message: str
    ) -> None:
        r = self.post_course(client, licensed, **data)
        assert r.status_code == 200
        errors = r.context["course_form"].errors
        assert field in errors and message in " ".join(errors[field])
        assert 'aria-invalid="true"' in r.content.decode()
        assert not CourseRecord.objects.exists()

    def test_a_course_in_the_future(self, client: Client, licensed: User) -> None:
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        r = self.post_course(client, licensed, **{"course-started_on": tomorrow, "course-completed_on": tomorrow})
        assert "once it is completed" in " ".join(r.context["course_form"].errors["completed_on"])
        assert not CourseRecord.objects.exists()

    def test_a_course_before_any_credential_falls_outside_every_cycle(self, client: Client, licensed: User) -> None:
        long_ago = (timezone.localdate() - timedelta(days=1500)).isoformat()
        r = self.post_course(client, licensed, **{"course-started_on": long_ago, "course-completed_on": long_ago})
        assert "outside every renewal cycle" in " ".join(r.context["course_form"].errors["completed_on"])
        assert not CourseRecord.objects.exists()

    def test_a_course_ending_before_it_starts(self, client: Client, licensed: User) -> None:
        today = timezone.localdate()
        r = self.post_course(
            client,
            licensed,
            **{"course-started_on": today.isoformat(), "course-completed_on": (today - timedelta(days=2)).isoformat()},
        )
        assert "cannot end before it starts" in " ".join(r.context["course_form"].errors["completed_on"])

    @pytest.mark.parametrize(
        "content, message",
        [
            (b"MZ\x90\x00 not a document", "Upload a PDF, PNG or JPEG file."),
            (PDF + b"0" * MAX_UPLOAD_BYTES, "the limit is 10 MB"),
            (b"", "empty"),
        ],
    )
    def test_a_certificate_of_the_wrong_type_or_too_big(
        self, client: Client, licensed: User, content: bytes, message: str
    ) -> None:
        r = self.post_course(client, licensed, **{"course-certificate": pdf_upload("cert.pdf", content)})
        assert message in " ".join(r.context["course_form"].errors["certificate"])
        assert not CourseRecord.objects.exists()

    def test_a_credential_expiring_before_it_was_issued(self, client: Client, tess: User, ada: User) -> None:
        login(client, ada)
        today = timezone.localdate()
        r = client.post(
            reverse("practitioners:credential_add", args=[tess.practitioner.public_id]),
            credential_data(**{"credential-expires_on": (today - timedelta(days=60)).isoformat()}),
        )
        assert r.status_code == 200
        assert "cannot expire before it was issued" in " ".join(r.context["credential_form"].errors["expires_on"])
        assert not Credential.objects.exists()

    def test_a_license_needs_its_state_and_a_specialty_its_specialty(
        self, client: Client, tess: User, ada: User
    ) -> None:
        login(client, ada)
        url = reverse("practitioners:credential_add", args=[tess.practitioner.public_id])
        r = client.post(url, credential_data(**{"credential-kind": "license"}))
        assert "state" in r.context["credential_form"].errors
        r = client.post(url, credential_data(**{"credential-kind": "specialty"}))
        assert "specialty" in r.context["credential_form"].errors
        assert not Credential.objects.exists()

    def test_a_copy_that_is_not_a_document(self, client: Client, tess: User, ada: User) -> None:
        login(client, ada)
        r = client.post(
            reverse("practitioners:credential_add", args=[tess.practitioner.public_id]),
            {**credential_data(), "credential-document": pdf_upload("x.pdf", b"<script>alert(1)</script>")},
        )
        assert "Upload a PDF, PNG or JPEG file." in r.context["credential_form"].errors["document"]
        assert not Credential.objects.exists()


class TestAdmin:
    def test_an_admin_keeps_a_practitioners_credentials(self, client: Client, ada: User, tess: User) -> None:
        login(client, ada)
        assert client.get(detail_url(tess)).status_code == 200
        r = client.post(
            reverse("practitioners:credential_add", args=[tess.practitioner.public_id]),
            credential_data(**{"credential-kind": "insurance", "credential-coverage_limits": "$2M / $3M"}),
        )
        assert r.status_code == 302
        assert Credential.objects.get().coverage_limits == "$2M / $3M"

    def test_the_copy_is_streamed_and_audited(self, client: Client, ada: User, tess: User) -> None:
        held = credential(
            tess.practitioner, Credential.Kind.CPR, document=pdf_upload(), document_type="application/pdf"
        )
        taken = course(
            tess.practitioner, 3, "ethics", timezone.localdate(), certificate=pdf_upload(), certificate_type="x"
        )
        for user in (ada, tess):
            login(client, user)
            r = client.get(reverse("practitioners:document", args=[held.public_id, "credential"]))
            assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
            assert r["X-Content-Type-Options"] == "nosniff"
            assert b"".join(r.streaming_content) == PDF
        r = client.get(reverse("practitioners:document", args=[taken.public_id, "course"]))
        assert r.status_code == 200
        assert AuditEvent.objects.filter(action=AuditAction.DOCUMENT_VIEWED, target_id=str(held.public_id)).count() == 2
        assert client.get(reverse("practitioners:document", args=[held.public_id, "invoice"])).status_code == 404

    def test_no_copy_on_file_is_404(self, client: Client, tess: User) -> None:
        held = credential(tess.practitioner, Credential.Kind.CPR)
        login(client, tess)
        assert client.get(reverse("practitioners:document", args=[held.public_id, "credential"])).status_code == 404


class TestCompliance:
    def test_it_shows_what_is_current_expiring_and_missing(
        self, client: Client, ada: User, tess: User, organization: Organization
    ) -> None:
        wa_license(tess.practitioner, expires_in=200)
        credential(tess.practitioner, Credential.Kind.CPR, expires_on=timezone.localdate() + timedelta(days=45))
        credential(tess.practitioner, Credential.Kind.INSURANCE, name="Liability policy")
        pat = practitioner_user(organization, "pat", "123456781")
        credential(pat.practitioner, Credential.Kind.CPR, expires_on=timezone.localdate() - timedelta(days=2))
        login(client, ada)
        r = client.get(reverse("practitioners:compliance"))
        assert r.status_code == 200
        rows = {row.practitioner.user.username: row for row in r.context["rows"]}
        assert rows["tess"].fully_credentialed
        assert [c.credential.name for c in rows["tess"].expiring] == ["CPR / first aid"]
        assert rows["tess"].ce[0].short  # 24 hours still to take
        assert not rows["pat"].fully_credentialed
        assert rows["pat"].missing == [
            "No current license",
            "No current CPR / first aid",
            "No current liability insurance",
        ]
        assert [c.credential.name for c in rows["pat"].lapsed] == ["CPR / first aid"]
        body = r.content.decode()
        assert "1 of 2 practitioners fully credentialed" in body
        assert "Expires in 45 days" in body

    def test_a_renewed_credential_replaces_the_expired_one(self, client: Client, ada: User, tess: User) -> None:
        today = timezone.localdate()
        wa_license(tess.practitioner, expires_in=-400, issued_on=today - timedelta(days=1200))
        wa_license(tess.practitioner, expires_in=330, issued_on=today - timedelta(days=399))
        credential(tess.practitioner, Credential.Kind.CPR)
        credential(tess.practitioner, Credential.Kind.INSURANCE)
        login(client, ada)
        (row,) = client.get(reverse("practitioners:compliance")).context["rows"]
        assert row.lapsed == [] and row.fully_credentialed

    def test_the_queries_do_not_grow_with_the_practitioners(
        self, client: Client, ada: User, tess: User, organization: Organization
    ) -> None:
        wa_license(tess.practitioner)
        course(tess.practitioner, 4, "ethics", timezone.localdate())
        login(client, ada)
        with CaptureQueriesContext(connection) as one:
            assert client.get(reverse("practitioners:compliance")).status_code == 200
        for n, npi in enumerate(("123456781", "123456782")):
            user = practitioner_user(organization, f"p{n}", npi)
            wa_license(user.practitioner)
            credential(user.practitioner, Credential.Kind.CPR)
            course(user.practitioner, 2, "hands-on", timezone.localdate())
        with CaptureQueriesContext(connection) as three:
            r = client.get(reverse("practitioners:compliance"))
        assert len(r.context["rows"]) == 3
        assert len(one) == len(three)

    def test_practitioners_are_refused(self, client: Client, tess: User) -> None:
        login(client, tess)
        assert client.get(reverse("practitioners:compliance")).status_code == 403


class TestTranscript:
    def test_courses_are_grouped_by_cycle_with_totals_and_the_requirement(self, client: Client, tess: User) -> None:
        today = timezone.localdate()
        license = wa_license(tess.practitioner, expires_in=200, issued_on=today - timedelta(days=1600))
        current_start = license.expires_on - timedelta(days=700)
        course(tess.practitioner, 8, "hands-on", today - timedelta(days=20), title="Trigger point therapy")
        course(tess.practitioner, 4, "ethics", today - timedelta(days=10), title="Ethics and boundaries")
        earlier = course(
            tess.practitioner, 24, "hands-on", current_start - timedelta(days=200), title="Lymphatic drainage"
        )
        login(client, tess)
        r = client.get(reverse("practitioners:transcript", args=[tess.practitioner.public_id]))
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(r.content)).pages)
        assert "Continuing education transcript" in text and "Washington LMT" in text
        assert "24 hours every 24 months" in text
        assert (
            "(current): not yet met, still needed 2 h Health equity, 12 h in total" in text
            and "Trigger point therapy" in text
        )
        assert "Total in the cycle (required 24) 12" in text
        assert "Lymphatic drainage" in text and "requirement met" not in text  # 24 h, but no ethics
        assert "short 4 h Ethics" in text
        assert f"{earlier.completed_on:%Y-%m-%d}" in text
        assert "Total 36" in text


def test_the_dashboard_flags_expiring_credentials_and_short_ce(client: Client, tess: User) -> None:
    wa_license(tess.practitioner, expires_in=60)
    credential(tess.practitioner, Credential.Kind.CPR, expires_on=timezone.localdate() - timedelta(days=1))
    login(client, tess)
    body = client.get(reverse("visits:dashboard")).content.decode()
    assert "Washington LMT expires in 60 days" in body
    assert f"CPR / first aid expired {timezone.localdate() - timedelta(days=1):%Y-%m-%d}" in body
    assert "Washington LMT CE short: " in body and "8 h Hands-on technique" in body and "(60 days left)" in body


def test_admins_set_the_certification_a_technique_requires(client: Client, ada: User) -> None:
    login(client, ada)
    mld = Technique.objects.get(code="manual-lymphatic-drainage")
    form = client.get(reverse("techniques:edit", args=[mld.code])).context["form"]
    data = {k: "on" if v is True else v for k, v in form.initial.items() if v not in (None, False)}
    data["required_specialty"] = "mld"
    assert client.post(reverse("techniques:edit", args=[mld.code]), data).status_code == 302
    mld.refresh_from_db()
    assert mld.required_specialty == "mld"


class TestRequirements:
    def test_an_admin_edits_a_requirement_by_category(self, client: Client, ada: User) -> None:
        from fascia.practitioners.models import RenewalRequirement

        login(client, ada)
        data = {
            "kind": "license",
            "state": "OR",
            "issuing_body": "",
            "cycle_months": "24",
            "total_hours": "25",
            "source": "Oregon Board of Massage Therapists",
            "min_ethics": "30",
        }
        r = client.post(reverse("practitioners:requirement_create"), data)
        assert "add up to more than the total" in r.content.decode()
        assert not RenewalRequirement.objects.filter(state="OR").exists()
        r = client.post(reverse("practitioners:requirement_create"), {**data, "min_ethics": "6", "min_hands-on": "8"})
        assert r.status_code == 302
        saved = RenewalRequirement.objects.get(state="OR")
        assert saved.category_minimums == {"hands-on": 8.0, "ethics": 6.0}
        listing = client.get(reverse("practitioners:requirements")).content.decode()
        assert "Oregon Board of Massage Therapists" in listing
