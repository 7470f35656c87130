"""The financial dashboard and the owner's monthly report on a small clinic whose every figure is worked out by hand.

Today is 2026-03-20; the range is 2026-03-02 to 2026-03-15 (14 days). Payers: Acme (commercial) and Beacon (workers'
compensation). Claims (each to its first payer unless said; lines: code, units, minutes, amount, paid):

  C1 Acme, Main, sent 03-05, partially paid (paid 80, adjusted 20, PR 15), for note Na (Q1, 03-02, Tess):
     L1 97140 ×2 30 min 80.00 paid 60.00; L2 97124 ×1 15 min 35.00 paid 20.00. Na documents 97140 30 min on the
     neck, 97124 15 min on the back and 5 min on the neck — the latter withheld by NCCI (same region as 97140).
  C2 Acme, Main, sent 03-06, submitted, for Nb (Q2, 03-04, Tess): L3 97140 ×1 20 min 40.00. Nb also documents
     97112 6 min: under 8 minutes, no unit, no line.
  C3 Beacon, North, sent 03-10, denied (adjusted 150), for Nc (Q3, 03-09, Pia): L4 97112 ×3 45 min 150.00. Nc also
     documents 97010 hot packs 10 min: untimed, never counted as timed minutes.
  C4 Acme draft (never sent), for Nd (Q4, 03-11, Tess): L5 97140 ×1 20 min 40.00: not charged, but billed minutes.
  C5 Beacon, the secondary of C1, sent 03-12, closed: L6 97140 ×2 80.00 — the same visit billed again, not counted.
  C6 Acme, sent 02-21, paid (70), for Nh (Q1, 02-20): L7 97140 100.00 — before the range.

Remittances: R1 Acme 03-12 pays C1 (CLP02 1: charged 115, paid 80, CO-45 20, PR-3 15); R2 Beacon 03-13 denies C3
(CLP02 4: charged 150, paid 0, CO-50 150); R3 03-14 a payment held for review (never counted); R4 02-15 pays C6
(charged 100, paid 70, CO-45 30) — before the range.

Signed visits on no claim: Ne (Q5, 03-05, Tess; Q5 insured by Acme from 01-01) 97140 25 + 97124 10 min; Nf (Q6,
03-09, Pia; Q6 uninsured) 97140 20 min; Ng (Q5, 02-01) before the range.
"""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import tablib
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from fascia.analytics.tests import clinic
from fascia.audit.models import AuditAction, AuditEvent
from fascia.billing.models import Claim, ClaimLine, ClaimNote, Coverage, Payer, Posting, Remittance, UnbilledVisit
from fascia.conftest import login
from fascia.scheduling.models import Appointment

RANGE = {"start": "2026-03-02", "end": "2026-03-15"}
TODAY = datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("America/New_York"))
D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _claim(org, payer, patient, number, status, *, sent, where, by, paid="0", adjusted="0", pr="0", primary=None):
    return Claim.objects.create(
        organization=org,
        number=number,
        patient=patient,
        payer=payer,
        service_location=where,
        status=status,
        submitted_at=clinic.at(sent, 9) if sent else None,
        paid=D(paid),
        adjusted=D(adjusted),
        patient_responsibility=D(pr),
        primary_claim=primary,
        diagnoses=["M54.50"],
        created_by=by,
    )


def _line(claim, note, code, units, minutes, amount, paid="0"):
    return ClaimLine.objects.create(
        claim=claim,
        note=note,
        service_date=note.visited_on,
        cpt_code=code,
        units=units,
        minutes=minutes,
        diagnosis_pointers=[1],
        place_of_service="11",
        rendering=note.practitioner,
        fee=D(amount) / units,
        amount=D(amount),
        paid=D(paid),
    )


def _posting(org, claim, trace, day, code, charged, paid, adjusted, pr, adjustments, state=Posting.State.POSTED):
    remittance = Remittance.objects.create(
        organization=org, payer_identifier=claim.payer.name, trace_number=trace, payment_date=day, total_paid=D(paid)
    )
    posting = Posting.objects.create(
        remittance=remittance,
        claim=claim,
        claim_number=claim.number,
        status_code=code,
        charged=D(charged),
        paid=D(paid),
        adjusted=D(adjusted),
        patient_responsibility=D(pr),
        state=state,
    )
    for g, r, a in adjustments:
        posting.adjustments.create(where="claim", group=g, reason=r, amount=D(a))
    return posting


@pytest.fixture
def books(organization, location, tess, ada):
    north = clinic.Location.objects.create(organization=organization, name="North")
    tp, pia = tess.practitioner, clinic.practitioner(organization, "pia", "123456785", location=north)
    acme = Payer.objects.create(organization=organization, name="Acme", kind=Payer.Kind.COMMERCIAL, payer_id="ACME1")
    beacon = Payer.objects.create(organization=organization, name="Beacon", kind=Payer.Kind.WORKERS_COMP, payer_id="B1")
    q = {i: clinic.patient(organization, f"Q{i}") for i in range(1, 7)}
    Coverage.objects.create(patient=q[5], payer=acme, member_id="M5", starts_on=date(2026, 1, 1))

    def visit(who, patient, day, where=None, **kw):
        appt = (
            clinic.appointment(who, patient, where, clinic.at(day, 10), Appointment.Status.FULFILLED) if where else None
        )
        return clinic.note(who, patient, day, appointment=appt, **kw)

    na = visit(
        tp,
        q[1],
        date(2026, 3, 2),
        location,
        techniques=[("97140", "neck", 30), ("97124", "upper-back", 15), ("97124", "neck", 5)],
    )
    nb = visit(tp, q[2], date(2026, 3, 4), location, techniques=[("97140", "neck", 20), ("97112", "neck", 6)])
    nc = visit(
        pia, q[3], date(2026, 3, 9), north, techniques=[("97112", "lower-back", 45), ("97010", "lower-back", 10)]
    )
    nd = visit(tp, q[4], date(2026, 3, 11), location, techniques=[("97140", "neck", 20)])
    nh = visit(tp, q[1], date(2026, 2, 20), location, techniques=[("97140", "neck", 40)])
    ne = visit(tp, q[5], date(2026, 3, 5), location, techniques=[("97140", "neck", 25), ("97124", "upper-back", 10)])
    nf = visit(pia, q[6], date(2026, 3, 9), techniques=[("97140", "neck", 20)])
    ng = visit(tp, q[5], date(2026, 2, 1), location, techniques=[("97140", "neck", 15)])
    for n in (ne, nf, ng):
        UnbilledVisit.objects.create(note=n, organization=organization, patient=n.patient, visited_on=n.visited_on)

    S = Claim.Status
    c1 = _claim(
        organization,
        acme,
        q[1],
        "C1",
        S.PARTIALLY_PAID,
        sent=date(2026, 3, 5),
        where=location,
        by=ada,
        paid="80",
        adjusted="20",
        pr="15",
    )
    _line(c1, na, "97140", 2, 30, "80", "60")
    _line(c1, na, "97124", 1, 15, "35", "20")
    withheld = [{"code": "97124", "region": "neck", "minutes": 5, "reason": "NCCI: 97124 on the same region as 97140"}]
    ClaimNote.objects.create(claim=c1, note=na, payer=acme, withheld=withheld)
    c2 = _claim(organization, acme, q[2], "C2", S.SUBMITTED, sent=date(2026, 3, 6), where=location, by=ada)
    _line(c2, nb, "97140", 1, 20, "40")
    ClaimNote.objects.create(claim=c2, note=nb, payer=acme)
    c3 = _claim(organization, beacon, q[3], "C3", S.DENIED, sent=date(2026, 3, 10), where=north, by=ada, adjusted="150")
    _line(c3, nc, "97112", 3, 45, "150")
    ClaimNote.objects.create(claim=c3, note=nc, payer=beacon)
    c4 = _claim(organization, acme, q[4], "C4", S.DRAFT, sent=None, where=location, by=ada)
    _line(c4, nd, "97140", 1, 20, "40")
    ClaimNote.objects.create(claim=c4, note=nd, payer=acme)
    c5 = _claim(organization, beacon, q[1], "C5", S.CLOSED, sent=date(2026, 3, 12), where=location, by=ada, primary=c1)
    _line(c5, na, "97140", 2, 30, "80")
    ClaimNote.objects.create(claim=c5, note=na, payer=beacon)
    c6 = _claim(
        organization, acme, q[1], "C6", S.PAID, sent=date(2026, 2, 21), where=location, by=ada, paid="70", adjusted="30"
    )
    _line(c6, nh, "97140", 3, 40, "100", "70")
    ClaimNote.objects.create(claim=c6, note=nh, payer=acme)

    _posting(
        organization,
        c1,
        "R1",
        date(2026, 3, 12),
        "1",
        "115",
        "80",
        "20",
        "15",
        [("CO", "45", "20.00"), ("PR", "3", "15.00")],
    )
    _posting(
        organization,
        c3,
        "R2",
        date(2026, 3, 13),
        "4",
        "150",
        "0",
        "150",
        "0",
        [("CO", "50", "150.00")],
    )
    _posting(organization, c2, "R3", date(2026, 3, 14), "1", "40", "40", "0", "0", [], state=Posting.State.HELD)
    _posting(
        organization,
        c6,
        "R4",
        date(2026, 2, 15),
        "1",
        "100",
        "70",
        "30",
        "0",
        [("CO", "45", "30.00")],
    )

    # Another clinic's claim, payment and unbilled visit in the same fortnight: never counted.
    org, place, oscar = clinic.other_clinic()
    them = clinic.practitioner(org, "otto", "123456799", location=place)
    stranger = clinic.patient(org, "Stranger")
    theirs = Payer.objects.create(organization=org, name="Zed", kind=Payer.Kind.COMMERCIAL, payer_id="Z1")
    n1 = clinic.note(them, stranger, date(2026, 3, 3), techniques=[("97140", "neck", 30)])
    n2 = clinic.note(them, stranger, date(2026, 3, 4), techniques=[("97140", "neck", 30)])
    cz = _claim(org, theirs, stranger, "Z1", S.SUBMITTED, sent=date(2026, 3, 5), where=place, by=oscar)
    _line(cz, n1, "97140", 2, 30, "500")
    ClaimNote.objects.create(claim=cz, note=n1, payer=theirs)
    _posting(org, cz, "Z", date(2026, 3, 10), "4", "500", "0", "500", "0", [("CO", "29", "500")])
    UnbilledVisit.objects.create(note=n2, organization=org, patient=stranger, visited_on=n2.visited_on)
    return {"north": north, "pia": pia}


def page(client, user, **params):
    login(client, user)
    return client.get(reverse("analytics:finances"), params)


def test_it_shows_units_and_revenue_per_visit_by_payer(client, bill, books):
    r = page(client, bill, **RANGE)
    assert r.status_code == 200
    p = r.context["payers"]
    # Acme: L1, L2 (Na), L3 (Nb): 2 visits, 2 + 1 + 1 = 4 units, 80 + 35 + 40 = 155.00 charged, 60 + 20 = 80.00 paid.
    # Beacon: L4 (Nc): 1 visit, 3 units, 150.00, 0.00. C4 (draft), C5 (secondary) and C6 (February) are not counted.
    assert [(x["payer"], x["visits"], x["units"], x["charged"], x["paid"]) for x in p["rows"]] == [
        ("Acme", 2, 4, D("155.00"), D("80.00")),
        ("Beacon", 1, 3, D("150.00"), D("0.00")),
    ]
    assert p["rows"][0]["units_per_visit"] == 2
    assert p["rows"][0]["charged_per_visit"] == D("77.50")  # 155 / 2
    assert p["rows"][0]["paid_per_visit"] == D("40.00")  # 80 / 2
    # All: 3 visits, 7 units, 305.00, 80.00: 2.33 units, 101.67 charged and 26.67 paid per visit.
    assert (p["total"]["visits"], p["total"]["units"], p["total"]["charged"]) == (3, 7, D("305.00"))
    assert p["total"]["units_per_visit"] == pytest.approx(7 / 3)
    assert (p["total"]["charged_per_visit"], p["total"]["paid_per_visit"]) == (D("101.67"), D("26.67"))


def test_it_computes_the_collection_and_denial_rates(client, bill, books):
    c = page(client, bill, **RANGE).context["collections"]
    # R1 and R2 stand (R3 is held, R4 is February): 2 claim payments, 1 denied; charged 115 + 150 = 265, paid 80.
    assert (c["claims"], c["denied"], c["charged"], c["paid"], c["adjusted"], c["patient"]) == (
        2,
        1,
        D("265.00"),
        D("80.00"),
        D("170.00"),
        D("15.00"),
    )
    assert c["collection_rate"] == pytest.approx(80 / 265)  # 30.2 %
    assert c["denial_rate"] == pytest.approx(1 / 2)


def test_it_breaks_denials_down_by_reason(client, bill, books):
    d = page(client, bill, **RANGE).context["denials"]
    # Non-PR adjustments of R1 and R2, each once, over 2 claim payments; the PR-3 copay is no denial.
    assert [(x["reason"], x["times"], x["amount"], x["rate"]) for x in d] == [
        (
            "CO-45: Contractual obligation: charge is above the fee schedule, maximum allowable or contracted fee",
            1,
            D("20.00"),
            0.5,
        ),
        ("CO-50: Contractual obligation: payer does not consider the service medically necessary", 1, D("150.00"), 0.5),
    ]


def test_it_computes_days_in_ar(client, bill, books):
    ar = page(client, bill, **RANGE).context["days_in_ar"]
    # AR today: C2 still owed by Acme (40.00; C1 is settled: 115 - 80 - 20 - 15 = 0) + Q1's PR on C1 (15.00; its
    # secondary C5 is closed, so the patient owes it) = 55.00. Average daily charges: 305 / 14 = 21.79.
    # Days in AR: 55 / (305 / 14) = 770 / 305 = 2.52.
    assert ar["ar"] == D("55.00")
    assert ar["daily_charges"] == D("21.79")
    assert ar["days"] == pytest.approx(770 / 305)


def test_it_counts_revenue_per_week(client, bill, books):
    weeks = page(client, bill, **RANGE).context["weeks"]
    # Charges by date of service: L1 + L2 + L3 = 155 in the week of 03-02, L4 = 150 in the week of 03-09.
    # Payments by payment date: R1 80 and R2 0 in the week of 03-09.
    assert weeks == [
        {"week": date(2026, 3, 2), "charged": D("155.00"), "paid": D("0")},
        {"week": date(2026, 3, 9), "charged": D("150.00"), "paid": D("80.00")},
    ]


def test_it_counts_unbilled_work_with_the_reasons(client, bill, books):
    u = page(client, bill, **RANGE).context["unbilled"]
    # On no claim: Ne (insured: waiting) and Nf (no coverage); Ng is February. 35 + 20 = 55 minutes documented.
    assert (u["visits"], u["uncovered"], u["waiting"], u["older_than_30_days"], u["visit_minutes"]) == (2, 1, 1, 0, 55)
    # Billed visits in the range (C1 Na, C2 Nb, C3 Nc, C4 Nd; not C5, a secondary): timed minutes documented
    # Na 30 + 15 + 5, Nb 20 + 6, Nc 45 (97010 is untimed), Nd 20 = 141; billed L1 30 + L2 15 + L3 20 + L4 45 + L5 20
    # = 130; bundled by NCCI 5 (Na's 97124 on the neck); too few for a unit 141 - 130 - 5 = 6 (Nb's 97112).
    assert (u["documented_minutes"], u["billed_minutes"], u["bundled_minutes"], u["under_a_unit_minutes"]) == (
        141,
        130,
        5,
        6,
    )
    assert u["unbilled_minutes"] == 11


def test_the_practitioner_filter_narrows_every_figure(client, bill, books):
    r = page(client, bill, **RANGE, practitioner=books["pia"].public_id)
    # Days in AR is the clinic's whatever the filter: 770 / 305 as unfiltered.
    assert r.context["days_in_ar"]["days"] == pytest.approx(770 / 305)
    # Pia rendered L4 (C3) only; C3's payment is the only one with a line of hers; Nf is her unbilled visit.
    assert [(x["payer"], x["visits"], x["charged"]) for x in r.context["payers"]["rows"]] == [
        ("Beacon", 1, D("150.00"))
    ]
    c = r.context["collections"]
    assert (c["claims"], c["denied"], c["collection_rate"], c["denial_rate"]) == (1, 1, 0, 1)
    assert [x["reason"] for x in r.context["denials"]] == [
        "CO-50: Contractual obligation: payer does not consider the service medically necessary"
    ]
    u = r.context["unbilled"]
    assert (u["visits"], u["uncovered"], u["documented_minutes"], u["billed_minutes"], u["unbilled_minutes"]) == (
        1,
        1,
        45,
        45,
        0,
    )


def test_the_location_filter_narrows_every_figure(client, bill, books):
    r = page(client, bill, **RANGE, location=books["north"].public_id)
    assert [(x["payer"], x["visits"]) for x in r.context["payers"]["rows"]] == [("Beacon", 1)]
    assert r.context["collections"]["claims"] == 1
    # Nf had no appointment, so no location: no unbilled visit at North.
    assert r.context["unbilled"]["visits"] == 0


def test_an_empty_range_shows_dashes_not_a_division_by_zero(client, bill, books):
    r = page(client, bill, start="2020-01-06", end="2020-01-12")
    assert r.status_code == 200
    assert r.context["collections"]["collection_rate"] is None
    assert r.context["collections"]["denial_rate"] is None
    assert r.context["days_in_ar"]["days"] is None
    body = r.content.decode()
    assert "No claims sent for visits in this range." in body and "No remittances posted in this range." in body
    assert "—" in body


def test_bad_dates_get_a_clear_message(client, bill, books):
    r = page(client, bill, start="2026-03-15", end="2026-03-02")
    assert r.status_code == 400
    assert "The end date is before the start date" in r.content.decode()


def test_each_view_is_audited_once(client, bill, books):
    login(client, bill)
    before = AuditEvent.objects.count()
    client.get(reverse("analytics:finances"), RANGE)
    entries = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.actor_id, e.patient_id) for e in entries] == [(AuditAction.FINANCES_VIEWED, bill.pk, None)]


def test_the_csv_and_xlsx_exports_hold_the_figures_and_are_audited(client, ada, books):
    login(client, ada)
    before = AuditEvent.objects.count()
    r = client.get(reverse("analytics:finances"), {**RANGE, "format": "csv"})
    data = tablib.Dataset().load(r.content.decode(), format="csv")
    rows = {(row[0], row[1], row[2]): row[3] for row in data}
    assert rows[("Revenue by payer", "Acme", "Charged")] == "155.0"
    assert rows[("Collections", "Gross collection rate (%)", "Value")] == "30.2"  # 80 / 265
    assert rows[("Collections", "Days in AR", "Value")] == "2.5"
    assert rows[("Unbilled work", "Minutes not billed: bundled by NCCI", "Value")] == "5"
    r = client.get(reverse("analytics:finances"), {**RANGE, "format": "xlsx"})
    book = openpyxl.load_workbook(BytesIO(r.content))
    assert book.sheetnames == [
        "Revenue by payer",
        "Revenue per week",
        "Collections",
        "Denials by reason",
        "Unbilled work",
    ]
    assert list(book["Revenue by payer"].values)[2] == ("Beacon", 1, 3, 150.0, 0.0, 3.0, 150.0, 0.0)
    entries = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.detail["format"]) for e in entries] == [
        (AuditAction.DASHBOARD_EXPORTED, "csv"),
        (AuditAction.DASHBOARD_EXPORTED, "xlsx"),
    ]


@pytest.mark.parametrize("persona", ["tess", "frank"])
def test_it_refuses_practitioners_and_the_front_desk(client, request, books, persona):
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("analytics:finances"), RANGE).status_code == 403
    assert client.get(reverse("analytics:finances"), {**RANGE, "format": "xlsx"}).status_code == 403


def test_billing_is_refused_the_practice_dashboard_and_the_monthly_report(client, bill, books):
    login(client, bill)
    assert client.get(reverse("analytics:practice"), RANGE).status_code == 403
    assert client.get(reverse("analytics:monthly_pdf"), {"month": "2026-03"}).status_code == 403


# The owner's monthly report.


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)


def test_the_monthly_report_compares_the_month_with_the_one_before(client, ada, books):
    login(client, ada)
    r = client.get(reverse("analytics:monthly_pdf"), {"month": "2026-03"})
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "Monthly report: March 2026" in text
    # March: charged L1-L4 305.00, paid 80.00 of 265.00 (30.2 %), days in AR 55 × 31 / 305 = 5.6; 2 of 2 claim
    # payments... February: charged L7 100.00, R4 paid 70.00 of 100.00 (70.0 %), days in AR 55 × 28 / 100 = 15.4.
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Charged (claims sent, by date of service) $305.00 $100.00" in lines
    assert "Paid by payers (by payment date) $80.00 $70.00" in lines
    assert "Gross collection rate 30.2 % 70.0 %" in lines
    assert "Days in AR (today's AR) 5.6 15.4" in lines
    # Signed visits on no claim: Ne, Nf in March; Ng in February.
    assert "Signed visits on no claim 2 1" in lines
    # Visits (signed notes): March Na, Nb, Nc, Nd, Ne, Nf = 6; February Nh, Ng = 2. No appointments were cancelled.
    assert "Visits (signed notes) 6 2" in lines
    assert "Cancellation rate 0.0 % 0.0 %" in lines
    entries = AuditEvent.objects.filter(action=AuditAction.MONTHLY_REPORT_VIEWED)
    assert [(e.actor_id, e.detail) for e in entries] == [(ada.pk, {"month": "2026-03"})]


@pytest.mark.parametrize("month", ["2026-13", "March", "2026-3", "1999-01"])
def test_a_bad_month_gets_a_clear_message(client, ada, books, month):
    login(client, ada)
    r = client.get(reverse("analytics:monthly_pdf"), {"month": month})
    assert r.status_code == 400
    assert "is not a month: write it as YYYY-MM" in r.content.decode()
