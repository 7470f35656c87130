import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO
from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing import queries, reports
from fascia.billing.claims import services
from fascia.billing.models import Authorization, Claim, Clearinghouse, Coverage, NcciPair, Payer, Remittance
from fascia.billing.tests.factories import billable_patient, note
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.demo.era import write_835


def recent() -> date:
    return timezone.localdate() - timedelta(days=10)


def test_the_queue_drafts_claims_and_shows_what_fails(
    client: Client, tess: User, bill: User, organization: Organization
) -> None:
    clean = billable_patient(tess, organization, start=recent())
    failing = billable_patient(tess, organization, start=recent())
    Coverage.objects.filter(pk=failing.pk).update(member_id="")
    login(client, bill)
    page = client.get(reverse("billing:queue"))
    assert {row["patient"] for row in page.context["to_bill"]} == {clean.patient, failing.patient}
    client.post(reverse("billing:build"))
    page = client.get(reverse("billing:queue"))
    drafted = {claim.patient: claim.public_id for claim in Claim.objects.all()}
    assert [c["public_id"] for c in page.context["failing"]] == [drafted[failing.patient]]
    assert "The coverage has no member ID." in page.content.decode()
    assert [c["public_id"] for c in page.context["clean_drafts"]] == [drafted[clean.patient]]
    assert page.context["to_bill"] == []
    # A draft closed unsent gives its visits back to the queue.
    draft = page.context["clean_drafts"][0]
    client.post(reverse("billing:status", args=[draft["public_id"]]), {"status": "closed", "note": "Billed in error"})
    page = client.get(reverse("billing:queue"))
    assert [(row["patient"], row["visits"]) for row in page.context["to_bill"]] == [(clean.patient, 2)]


def test_one_press_drafts_a_bounded_number_of_claims_oldest_visits_first(
    client: Client, tess: User, bill: User, organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("fascia.billing.views.BUILD_CLAIMS", 2)
    monkeypatch.setattr("fascia.billing.queries.QUEUE_ROWS", 2)
    waiting = [billable_patient(tess, organization, start=recent() - timedelta(days=d)).patient for d in (2, 0, 1)]
    login(client, bill)
    page = client.get(reverse("billing:queue"))  # the patients waiting longest, and how many wait in all
    assert [row["patient"] for row in page.context["to_bill"]] == [waiting[0], waiting[2]]
    assert "The 2 patients waiting longest of 3" in page.content.decode()
    page = client.post(reverse("billing:build"), follow=True)
    assert "2 claim(s) drafted and checked. 1 patient(s) still have visits to bill" in page.content.decode()
    drafted = {claim.public_id: claim.patient for claim in Claim.objects.all()}
    assert {drafted[c["public_id"]] for c in page.context["clean_drafts"]} == {waiting[0], waiting[2]}  # the oldest
    page = client.post(reverse("billing:build"), follow=True)
    assert "1 claim(s) drafted and checked." in page.content.decode() and "still have" not in page.content.decode()
    assert Claim.objects.count() == 3 and page.context["to_bill"] == []


def test_the_queue_costs_the_same_queries_for_1_or_4_claims(
    client: Client, tess: User, bill: User, organization: Organization
) -> None:
    def claim() -> None:
        coverage = billable_patient(tess, organization, start=recent())
        services.create_claim(actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage))

    claim()
    login(client, bill)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("billing:queue"))
    for _ in range(3):
        claim()
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("billing:queue"))
    assert len(one) == len(four)


def test_fixing_a_claim_then_marking_it_ready(
    client: Client, tess: User, bill: User, organization: Organization
) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    Coverage.objects.filter(pk=coverage.pk).update(member_id="")
    claim = services.create_claim(
        actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    login(client, bill)
    client.post(reverse("billing:check", args=[claim.public_id]))
    assert Claim.objects.get(pk=claim.pk).status == "draft"
    Coverage.objects.filter(pk=coverage.pk).update(member_id="ABC987")
    client.post(reverse("billing:check", args=[claim.public_id]))
    claim.refresh_from_db()
    assert claim.status == "ready" and claim.problems == []
    with CaptureQueriesContext(connection) as queries:
        detail = client.get(reverse("billing:claim", args=[claim.public_id])).content.decode()
    assert "draft → ready" in detail
    # Its lines are read once, for their table and for the claim's total and balance.
    assert sum('FROM "billing_claimline"' in q["sql"] for q in queries) == 1
    total = sum(line.amount for line in claim.lines.all())
    assert f"<td>{total}</td>" in detail and f"balance {total - claim.paid}" in detail
    # Another clinic's claim, or no claim, is not found.
    assert client.get(reverse("billing:claim", args=[uuid4()])).status_code == 404


def test_closing_a_claim_needs_a_reason(client: Client, tess: User, bill: User, organization: Organization) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    claim = services.create_claim(
        actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    login(client, bill)
    client.post(reverse("billing:status", args=[claim.public_id]), {"status": "closed"})
    assert Claim.objects.get(pk=claim.pk).status == "draft"
    client.post(reverse("billing:status", args=[claim.public_id]), {"status": "closed", "note": "Billed in error"})
    assert Claim.objects.get(pk=claim.pk).status == "closed"
    assert [n.visited_on for n in services.unbilled_notes(coverage.patient, coverage)] != []  # billable again


def test_posting_an_835_from_the_page(client: Client, tess: User, bill: User, organization: Organization) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    claim = services.create_claim(
        actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    claim = services.mark_ready(actor=bill, claim=claim)
    services.move(claim, Claim.Status.SUBMITTED, actor=bill)
    text = write_835([claim], paid_on=timezone.localdate(), trace="EFT77")
    login(client, bill)
    upload = SimpleUploadedFile("era.835", text.encode(), content_type="text/plain")
    r = client.post(reverse("billing:remittances"), {"file": upload})
    assert r.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == "paid"
    again = client.post(reverse("billing:remittances"), {"file": SimpleUploadedFile("era.835", text.encode())})
    assert "already posted" in again.content.decode()
    page = client.get(reverse("billing:remittances")).content.decode()
    assert "1 claim payment, all posted." in page
    reason = next(a for a in claim.postings.get().adjustments.all() if a.group != "PR")
    shown = f"{reason.group}-{reason.reason}: {reason.text}"
    assert shown in client.get(reverse("billing:reports")).content.decode()
    # The denials report looks back over a period: last 30 days unless asked for 90 or 365.
    Remittance.objects.update(payment_date=timezone.localdate() - timedelta(days=100))
    assert shown not in client.get(reverse("billing:reports"), {"days": "90"}).content.decode()
    assert shown in client.get(reverse("billing:reports"), {"days": "365"}).content.decode()


def test_front_desk_adds_coverage_from_the_chart(client: Client, frank: User, tess: User, organization) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    patient = coverage.patient
    login(client, frank)
    url = reverse("billing:patient_record", args=[patient.public_id, "coverage"])
    r = client.post(
        url, {"payer": coverage.payer.pk, "rank": "2", "member_id": "", "relationship": "18", "starts_on": "2026-01-01"}
    )
    assert r.status_code == 200 and Coverage.objects.filter(patient=patient).count() == 1
    r = client.post(
        url,
        {
            "payer": coverage.payer.pk,
            "rank": "2",
            "member_id": "SEC-1",
            "relationship": "01",
            "starts_on": "2026-01-01",
        },
    )
    assert "Name the subscriber" in r.content.decode()
    r = client.post(
        url,
        {
            "payer": coverage.payer.pk,
            "rank": "2",
            "member_id": "SEC-1",
            "relationship": "01",
            "subscriber_family_name": "Doe",
            "subscriber_given_name": "Jan",
            "starts_on": "2026-01-01",
        },
    )
    assert r.status_code == 302
    chart = client.get(patient.get_chart_url()).content.decode()
    assert "SEC-1" in chart


def test_front_desk_records_the_copay_on_the_card(client: Client, frank: User, tess: User, organization) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    patient = coverage.patient
    login(client, frank)
    url = reverse("billing:patient_record_edit", args=[patient.public_id, "coverage", coverage.public_id])
    card = {
        "payer": coverage.payer.pk,
        "rank": "1",
        "member_id": coverage.member_id,
        "relationship": "18",
        "starts_on": f"{coverage.starts_on:%Y-%m-%d}",
    }
    for wrong in ("-5", "ten", "20.005"):
        r = client.post(url, {**card, "copay": wrong})
        assert r.status_code == 200 and "is-invalid" in r.content.decode(), wrong
        coverage.refresh_from_db()
        assert coverage.copay is None
    assert client.post(url, {**card, "copay": "20"}).status_code == 302
    coverage.refresh_from_db()
    assert coverage.copay == Decimal("20.00")
    assert "copay $20.00" in client.get(patient.get_chart_url()).content.decode()
    assert client.post(url, {**card, "copay": ""}).status_code == 302  # the plan dropped it
    coverage.refresh_from_db()
    assert coverage.copay is None


def test_payers_and_fees_are_edited_by_billing(client: Client, bill: User, organization: Organization) -> None:
    login(client, bill)
    r = client.post(
        reverse("billing:payer_create"),
        {
            "name": "Lakeside WC",
            "kind": "workers-comp",
            "payer_id": "",
            "claim_method": "837p",
            "units_method": "per_code",
            "distinct_modifier": "XS",
            "timely_filing_days": "365",
            "is_active": "on",
        },
    )
    assert "Electronic claims need the payer ID." in r.content.decode()
    r = client.post(
        reverse("billing:payer_create"),
        {
            "name": "Lakeside WC",
            "kind": "workers-comp",
            "payer_id": "WC001",
            "claim_method": "837p",
            "units_method": "per_code",
            "distinct_modifier": "XS",
            "timely_filing_days": "365",
            "is_active": "on",
        },
    )
    payer = Payer.objects.get(name="Lakeside WC")
    assert payer.distinct_modifier == "XS"
    client.post(reverse("billing:fee_add", args=[payer.public_id]), {"cpt_code": "97140", "amount": "41.00"})
    assert str(payer.fees.get().amount) == "41.00"


CLEARINGHOUSE_FORM = {
    "name": "Availity",
    "is_default": "on",
    "submitter_qualifier": "ZZ",
    "submitter_id": "SUB4471",
    "receiver_qualifier": "01",
    "receiver_id": "030240928",
    "application_sender_code": "",
    "application_receiver_code": "",
    "contact_name": "Billing Office",
    "contact_phone": "(206) 555-0199",
    "usage": "P",
}


class TestClearinghousePage:
    def test_an_admin_enters_the_ids_and_a_payer_names_the_clearinghouse(
        self, client: Client, ada: User, organization: Organization
    ) -> None:
        login(client, ada)
        r = client.post(reverse("billing:clearinghouse_create"), CLEARINGHOUSE_FORM)
        assert r.status_code == 302
        house = Clearinghouse.objects.get()
        assert (house.organization, house.is_default, house.submitter_id, house.receiver_qualifier) == (
            organization,
            True,
            "SUB4471",
            "01",
        )
        assert house.contact_phone == "206-555-0199"
        page = client.get(reverse("billing:payers")).content.decode()
        assert "Availity" in page and "SUB4471" in page and "030240928" in page
        other = Clearinghouse.objects.create(
            organization=organization, name="Office Ally", submitter_id="OA1", receiver_id="330897513"
        )
        r = client.post(
            reverse("billing:payer_create"),
            {
                "name": "Lakeside WC",
                "kind": "workers-comp",
                "payer_id": "WC001",
                "claim_method": "837p",
                "units_method": "per_code",
                "timely_filing_days": "365",
                "distinct_modifier": "59",
                "clearinghouse": other.pk,
                "is_active": "on",
            },
        )
        assert r.status_code == 302
        assert Payer.objects.get(name="Lakeside WC").clearinghouse == other

    def test_a_new_default_replaces_the_old_one(self, client: Client, ada: User, organization: Organization) -> None:
        login(client, ada)
        client.post(reverse("billing:clearinghouse_create"), CLEARINGHOUSE_FORM)
        client.post(
            reverse("billing:clearinghouse_create"),
            {**CLEARINGHOUSE_FORM, "name": "Office Ally", "submitter_id": "OA1", "receiver_id": "330897513"},
        )
        assert list(Clearinghouse.objects.filter(is_default=True).values_list("name", flat=True)) == ["Office Ally"]
        assert AuditEvent.objects.filter(action=AuditAction.CLEARINGHOUSE_SAVED).count() == 2

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("submitter_id", "", "This field is required."),
            ("receiver_id", "03024-0928", "2 to 15 letters or digits, as the clearinghouse gave it."),
            ("receiver_qualifier", "99", "Select a valid choice."),
        ],
    )
    def test_bad_ids_are_refused_and_nothing_is_saved(
        self, client: Client, ada: User, organization: Organization, field: str, value: str, message: str
    ) -> None:
        login(client, ada)
        r = client.post(reverse("billing:clearinghouse_create"), {**CLEARINGHOUSE_FORM, field: value})
        assert r.status_code == 200 and message in r.content.decode()
        assert not Clearinghouse.objects.exists()

    def test_another_practices_clearinghouse_is_not_found(self, client: Client, ada: User) -> None:
        elsewhere = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1134296023")
        house = Clearinghouse.objects.create(organization=elsewhere, name="X", submitter_id="S1", receiver_id="R1")
        login(client, ada)
        assert client.get(reverse("billing:clearinghouse_edit", args=[house.public_id])).status_code == 404
        r = client.post(reverse("billing:clearinghouse_edit", args=[house.public_id]), CLEARINGHOUSE_FORM)
        assert r.status_code == 404 and Clearinghouse.objects.get().name == "X"


def test_the_patient_statement_shows_what_is_owed(client: Client, tess: User, bill: User, organization) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    claim = services.create_claim(
        actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    Claim.objects.filter(pk=claim.pk).update(paid="138.80", adjusted="37.20", patient_responsibility="10.00")
    login(client, bill)
    pdf = client.get(reverse("billing:statement", args=[coverage.patient.public_id]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert claim.number in text and "186.00" in text and "138.80" in text and "37.20" in text
    assert "Amount due: 10.00" in text


def test_the_chart_warns_as_an_authorization_runs_out(client: Client, tess: User, bill: User, organization) -> None:
    coverage = billable_patient(tess, organization, start=recent())
    Authorization.objects.create(
        coverage=coverage, number="AUTH-3", visits_allowed=3, starts_on=recent(), ends_on=recent() + timedelta(days=60)
    )
    services.create_claim(actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage))
    login(client, bill)
    chart = client.get(coverage.patient.get_chart_url()).content.decode()
    assert "Authorization AUTH-3: 2 of 3 visits billed" in chart
    assert "running out" in chart


def _submitted_claims(tess: User, bill: User, organization: Organization, n: int) -> list[Claim]:
    claims = []
    for _ in range(n):
        coverage = billable_patient(tess, organization, start=recent(), visits=1)
        notes = services.unbilled_notes(coverage.patient, coverage)
        claims.append(services.create_claim(actor=bill, coverage=coverage, notes=notes))
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(status=Claim.Status.SUBMITTED)
    return claims


def test_the_queue_shows_the_oldest_of_each_part_and_pages_through_the_rest(
    client: Client, tess: User, bill: User, organization: Organization, monkeypatch
) -> None:
    monkeypatch.setattr(queries, "QUEUE_ROWS", 2)
    claims = _submitted_claims(tess, bill, organization, 3)
    login(client, bill)
    page = client.get(reverse("billing:queue"))
    assert [c["public_id"] for c in page.context["waiting"]] == [c.public_id for c in claims[:2]]  # the oldest first
    assert page.context["counts"]["waiting"] == 3
    assert "All 3, oldest first" in page.content.decode()
    part = client.get(reverse("billing:queue"), {"part": "waiting"})
    assert part.status_code == 200
    assert [c["public_id"] for c in part.context["page"]] == [c.public_id for c in claims]
    assert claims[2].number in part.content.decode()


def test_the_queue_counts_each_part_and_shows_what_each_claim_charges(
    client: Client, tess: User, bill: User, organization: Organization
) -> None:
    S = Claim.Status
    statuses = [S.DRAFT, S.DRAFT, S.READY, S.REJECTED, S.DENIED, S.ACCEPTED, S.APPEALED, S.PAID, S.CLOSED]
    claims = _submitted_claims(tess, bill, organization, len(statuses))
    for claim, status in zip(claims, statuses, strict=True):
        Claim.objects.filter(pk=claim.pk).update(status=status)
    Claim.objects.filter(pk=claims[0].pk).update(problems=["The coverage has no member ID <NM109>."])
    login(client, bill)
    page = client.get(reverse("billing:queue"))
    counts = {part: page.context["counts"][part] for part in queries.QUEUE_PARTS}
    assert counts == {"failing": 1, "clean_drafts": 1, "ready": 1, "resubmit": 2, "waiting": 2}
    shown = {part: page.context[part] for part in queries.QUEUE_PARTS}
    assert {part: [c["number"] for c in rows] for part, rows in shown.items()} == {
        "failing": [c.number for c in claims[:1]],
        "clean_drafts": [c.number for c in claims[1:2]],
        "ready": [c.number for c in claims[2:3]],
        "resubmit": [c.number for c in claims[3:5]],
        "waiting": [c.number for c in claims[5:7]],
    }
    charges = [(c["number"], c["charge"]) for part in shown.values() for c in part]
    assert charges == [(c.number, c.total_charge) for c in claims[:7]]
    assert all(charge > 0 for _, charge in charges)
    html = page.content.decode()
    for claim, status in zip(claims[:7], statuses, strict=False):  # each row: its link, charge and status
        link = f'<a href="{reverse("billing:claim", args=[claim.public_id])}">{claim.number}</a>'
        assert link in html and f"<td>{claim.total_charge:.2f}</td><td>{S(status).label}</td>" in html
    # The scrubber's findings, escaped, in the failing part alone.
    assert html.count('<th scope="col">Problems</th>') == 1
    assert "<li>The coverage has no member ID &lt;NM109&gt;.</li>" in html


def test_ar_aging_sums_what_each_claim_still_owes_by_days_since_it_was_sent(
    tess: User, bill: User, organization: Organization
) -> None:
    today = timezone.localdate()
    ages = [0, 30, 31, 90, 91, 400]
    claims = _submitted_claims(tess, bill, organization, len(ages) + 1)
    for claim, age in zip(claims, ages, strict=False):
        sent = timezone.make_aware(datetime.combine(today - timedelta(days=age), time(23, 30)))
        Claim.objects.filter(pk=claim.pk).update(submitted_at=sent, paid=Decimal("10.00"))
    Claim.objects.filter(pk=claims[-1].pk).update(status=Claim.Status.PAID)  # paid claims are not receivable
    owed = [claim.total_charge - Decimal("10.00") for claim in claims]
    report = reports.aging(organization, today)
    assert report["totals"] == {
        "0-30": owed[0] + owed[1],
        "31-60": owed[2],
        "61-90": owed[3],
        "90+": owed[4] + owed[5],
    }
    assert sum(sum(row.values()) for _, row in report["rows"]) == sum(owed[:-1])


class TestNcciPairs:
    def test_a_clinic_starts_with_the_catalogs_pairs(self, organization: Organization) -> None:
        assert [
            (p.column_1, p.column_2, p.modifier_allowed) for p in NcciPair.objects.filter(organization=organization)
        ] == [("97140", "97124", True)]
        assert "NCCI" in NcciPair.objects.get(organization=organization).source

    def test_billing_adds_a_pair_and_drafting_uses_it(
        self, client: Client, tess: User, bill: User, organization: Organization
    ) -> None:
        client.force_login(bill)
        page = client.get(reverse("billing:payers")).content.decode()
        assert "97140" in page and "97124" in page
        r = client.post(
            reverse("billing:ncci_pair_create"),
            {
                "column_1": "97140",
                "column_2": "97112",
                "modifier_allowed": "on",
                "source": "NCCI PTP 2027 Q1",
                "is_active": "on",
            },
        )
        assert r.status_code == 302
        coverage = billable_patient(tess, organization, start=date(2026, 11, 2), visits=0)
        note(
            tess,
            coverage.patient,
            date(2026, 11, 2),
            [("deep-tissue", "lower-back", 20), ("neuromuscular-reeducation", "lower-back", 20)],
        )
        claim = services.create_claim(
            actor=bill, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
        )
        assert [(line.cpt_code, line.minutes) for line in claim.lines.all()] == [("97140", 20)]

    def test_a_pair_of_one_code_or_twice_the_same_changes_nothing(
        self, client: Client, bill: User, organization: Organization
    ) -> None:
        client.force_login(bill)
        for data in (
            {"column_1": "97140", "column_2": "97140", "source": "x"},
            {"column_1": "97140", "column_2": "97124", "source": "again"},
            {"column_1": "9714", "column_2": "97124", "source": "x"},
        ):
            r = client.post(reverse("billing:ncci_pair_create"), data)
            assert r.status_code == 200
        assert NcciPair.objects.filter(organization=organization).count() == 1

    def test_the_payers_modifier_for_pairs_is_on_its_page(
        self, client: Client, bill: User, organization: Organization
    ) -> None:
        client.force_login(bill)
        page = client.get(reverse("billing:payer_create")).content.decode()
        assert "Modifier for NCCI pairs on separate regions" in page


@pytest.mark.django_db(transaction=True)
def test_two_defaults_saved_at_once_leave_one_default(ada: User, organization: Organization) -> None:
    """Two admins each make a new clearinghouse the default at the same instant: both are saved, the second
    takes over from the first, and the practice never has two defaults (nor a server error)."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(name: str) -> None:
        try:
            house = Clearinghouse(
                organization=organization, name=name, is_default=True, submitter_id="S1", receiver_id="R1"
            )
            barrier.wait()
            services.save_clearinghouse(actor=ada, clearinghouse=house)
            outcomes.append("saved")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("Availity", "Office Ally")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["saved", "saved"]
    assert Clearinghouse.objects.count() == 2 and Clearinghouse.objects.filter(is_default=True).count() == 1
