"""The practice dashboard on a small clinic whose every figure is worked out by hand below.

The range is Monday 2026-03-02 to Sunday 2026-03-15: two weeks, so two Mondays, Tuesdays and Wednesdays.

Tess works at Main on Mondays 9-17 (8 h) and Wednesdays 9-13 (4 h); she is off Wednesday 2026-03-04 11:00-15:00,
which takes 2 h of that morning (11-13). Open: 2 × 8 + 2 × 4 - 2 = 22 h. Pia works at North on Tuesdays 10-14:
2 × 4 = 8 h.

Appointments (30 minutes unless said):
  Tess at Main: A1 Mon 03-02 10:00 completed (P1); A2 Mon 03-02 11:00 completed, 60 min (P2); A3 Wed 03-04 09:00
  cancelled late (P3); A4 Mon 03-09 10:00 no-show (P1); A5 Mon 03-09 11:00 booked (P2); A6 Mon 03-09 12:00
  entered in error (never counted); A0 Mon 02-23 completed (before the range).
  Pia at North: B1 Tue 03-03 10:00 checked in, 45 min (P4); B2 Tue 03-10 10:00 cancelled, not late (P4).

Signed notes: N0 P1 02-23 (before the range: P1 is not new); N1 P1 03-02 (A1); N2 P2 03-02 (A2, plan PL1); N3 P4
03-03 (B1, Pia, plan PL2); N4 P1 03-06; N5 P5 03-10; N6 P2 03-12 (plan PL1); a draft 03-11 (never counted).
"""

from datetime import date, datetime, time
from io import BytesIO
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import tablib
import time_machine
from django.urls import reverse

from fascia.analytics.tests import clinic
from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.plans.models import TreatmentPlan
from fascia.referrals.models import Referral, ReferringProvider
from fascia.scheduling.models import Appointment, TimeOff, WorkingHours

S = Appointment.Status
RANGE = {"start": "2026-03-02", "end": "2026-03-15"}
TODAY = datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def small_clinic(organization, location, tess, ada):
    north = clinic.Location.objects.create(organization=organization, name="North")
    tp, pia = tess.practitioner, clinic.practitioner(organization, "pia", "123456785", location=north)
    WorkingHours.objects.create(practitioner=tp, location=location, weekday=0, starts=time(9), ends=time(17))
    WorkingHours.objects.create(practitioner=tp, location=location, weekday=2, starts=time(9), ends=time(13))
    WorkingHours.objects.create(practitioner=pia, location=north, weekday=1, starts=time(10), ends=time(14))
    TimeOff.objects.create(
        practitioner=tp, starts_at=clinic.at(date(2026, 3, 4), 11), ends_at=clinic.at(date(2026, 3, 4), 15)
    )
    p1, p2, p3, p4, p5 = (clinic.patient(organization, f"P{i}") for i in range(1, 6))

    def appt(who, patient, where, day, hour, status, **kw):
        return clinic.appointment(who, patient, where, clinic.at(day, hour), status, **kw)

    a0 = appt(tp, p1, location, date(2026, 2, 23), 10, S.FULFILLED)
    a1 = appt(tp, p1, location, date(2026, 3, 2), 10, S.FULFILLED)
    a2 = appt(tp, p2, location, date(2026, 3, 2), 11, S.FULFILLED, minutes=60)
    appt(tp, p3, location, date(2026, 3, 4), 9, S.CANCELLED, late=True)
    appt(tp, p1, location, date(2026, 3, 9), 10, S.NO_SHOW)
    appt(tp, p2, location, date(2026, 3, 9), 11, S.BOOKED)
    appt(tp, p3, location, date(2026, 3, 9), 12, S.ENTERED_IN_ERROR)
    b1 = appt(pia, p4, north, date(2026, 3, 3), 10, S.ARRIVED, minutes=45)
    appt(pia, p4, north, date(2026, 3, 10), 10, S.CANCELLED)

    rowe = ReferringProvider.objects.create(
        organization=organization, kind="physician", name="Dr. Rowe", npi="1234567893"
    )
    lee = ReferringProvider.objects.create(
        organization=organization, kind="physician", name="Dr. Lee", npi="1134296023"
    )

    def referral(patient, provider, day):
        return Referral.objects.create(
            patient=patient,
            provider=provider,
            referral_date=day,
            order="massage",
            visits_authorized=8,
            expires_on=date(2026, 12, 31),
            created_by=ada,
        )

    ref1 = referral(p2, rowe, date(2026, 3, 2))
    referral(p5, rowe, date(2026, 3, 11))  # after P5's only visit (03-10): not seen
    referral(p4, lee, date(2026, 3, 3))
    referral(p3, lee, date(2026, 1, 10))  # before the range

    C = TreatmentPlan.Status
    pl1 = clinic.plan(tp, p2, C.COMPLETED, ended=date(2026, 3, 12), planned=4, referral=ref1)
    pl2 = clinic.plan(pia, p4, C.DISCONTINUED, ended=date(2026, 3, 5), planned=6)
    clinic.plan(tp, p1, C.ACTIVE, ended=None, planned=12)  # not ended
    clinic.plan(tp, p3, C.COMPLETED, ended=date(2026, 2, 20), planned=8)  # ended before the range

    clinic.note(tp, p1, date(2026, 2, 23), appointment=a0)
    clinic.note(tp, p1, date(2026, 3, 2), appointment=a1)
    clinic.note(tp, p2, date(2026, 3, 2), appointment=a2, plan=pl1)
    clinic.note(pia, p4, date(2026, 3, 3), appointment=b1, plan=pl2)
    clinic.note(tp, p1, date(2026, 3, 6))
    clinic.note(tp, p5, date(2026, 3, 10))
    clinic.note(tp, p2, date(2026, 3, 12), plan=pl1)
    clinic.note(tp, p5, date(2026, 3, 11), signed=False)

    # Another clinic, busy the same fortnight: none of it is ever counted.
    org, place, oscar = clinic.other_clinic()
    them = clinic.practitioner(org, "otto", "123456799", location=place)
    WorkingHours.objects.create(practitioner=them, location=place, weekday=0, starts=time(8), ends=time(18))
    stranger = clinic.patient(org, "Stranger")
    theirs = clinic.appointment(them, stranger, place, clinic.at(date(2026, 3, 2), 9), S.FULFILLED)
    clinic.appointment(them, stranger, place, clinic.at(date(2026, 3, 9), 9), S.CANCELLED)
    clinic.note(them, stranger, date(2026, 3, 2), appointment=theirs)
    their_provider = ReferringProvider.objects.create(
        organization=org, kind="physician", name="Dr. Far", npi="1295723567"
    )
    Referral.objects.create(
        patient=stranger,
        provider=their_provider,
        referral_date=date(2026, 3, 3),
        order="x",
        visits_authorized=4,
        expires_on=date(2026, 12, 31),
        created_by=oscar,
    )
    return {"north": north, "pia": pia}


def page(client, user, **params):
    login(client, user)
    return client.get(reverse("analytics:practice"), params)


def test_it_counts_visits_per_week(client, ada, small_clinic):
    r = page(client, ada, **RANGE)
    assert r.status_code == 200
    # Week of 03-02: attended A1, A2, B1 = 3; signed N1, N2, N3, N4 = 4; new P2 (03-02), P4 (03-03) = 2.
    # Week of 03-09: attended none; signed N5, N6 = 2; new P5 (03-10) = 1. P1 was seen on 02-23: not new.
    assert r.context["weeks"] == [
        {"week": date(2026, 3, 2), "attended": 3, "notes": 4, "new_patients": 2},
        {"week": date(2026, 3, 9), "attended": 0, "notes": 2, "new_patients": 1},
    ]
    assert r.context["visits"] == {"attended": 3, "notes": 6, "new_patients": 3}
    assert r.context["visits_chart"].startswith("data:image/svg+xml;base64,")


def test_it_computes_cancellation_and_no_show_rates(client, ada, small_clinic):
    a = page(client, ada, **RANGE).context["attendance"]
    # Tess: A1-A5 (A6 entered in error) = 5; attended A1, A2; cancelled A3 (late); no-show A4.
    # Pia: B1, B2 = 2; attended B1; cancelled B2 (not late).
    assert [(r["name"], r["booked"], r["attended"], r["cancelled"], r["late"], r["no_shows"]) for r in a["rows"]] == [
        ("Pia Test, LMT", 2, 1, 1, 0, 0),
        ("Tess Test, LMT", 5, 2, 1, 1, 1),
    ]
    assert a["rows"][1]["cancellation_rate"] == pytest.approx(1 / 5)
    assert a["rows"][1]["no_show_rate"] == pytest.approx(1 / 5)
    assert a["rows"][0]["cancellation_rate"] == pytest.approx(1 / 2)
    assert a["rows"][0]["no_show_rate"] == 0
    # All: 7 appointments, 2 cancelled (2/7 = 28.6 %), 1 no-show (1/7 = 14.3 %).
    assert a["total"]["booked"] == 7
    assert a["total"]["cancellation_rate"] == pytest.approx(2 / 7)
    assert a["total"]["no_show_rate"] == pytest.approx(1 / 7)


def test_it_computes_utilization_of_open_hours(client, ada, small_clinic):
    u = page(client, ada, **RANGE).context["utilization"]
    rows = {r["name"]: r for r in u["rows"]}
    # Tess: open 2 × 8 + 2 × 4 - 2 (time off 11-13 on 03-04) = 22 h; booked A1 30 + A2 60 + A5 30 min = 2 h.
    assert rows["Tess Test, LMT"]["open_hours"] == pytest.approx(22)
    assert rows["Tess Test, LMT"]["booked_hours"] == pytest.approx(2)
    assert rows["Tess Test, LMT"]["utilization"] == pytest.approx(2 / 22)
    # Pia: open 2 × 4 = 8 h; booked B1 45 min = 0.75 h (B2 cancelled holds no time).
    assert rows["Pia Test, LMT"]["open_hours"] == pytest.approx(8)
    assert rows["Pia Test, LMT"]["utilization"] == pytest.approx(0.75 / 8)
    # All: 2.75 / 30.
    assert u["total"]["utilization"] == pytest.approx(2.75 / 30)


def test_it_follows_referrals_to_a_first_visit_and_a_completed_plan(client, ada, small_clinic):
    r = page(client, ada, **RANGE).context["referrals"]
    # Rowe: P2 (seen 03-02, plan PL1 completed) and P5 (referred 03-11, after the only visit): 2, 1 seen, 1 done.
    # Lee: P4 (seen 03-03, no plan answering it): 1, 1, 0. P3's referral of 01-10 is before the range.
    assert [(x["name"], x["referred"], x["seen"], x["completed"]) for x in r["rows"]] == [
        ("Dr. Rowe", 2, 1, 1),
        ("Dr. Lee", 1, 1, 0),
    ]
    assert r["rows"][0]["seen_rate"] == pytest.approx(0.5)
    assert r["total"]["seen_rate"] == pytest.approx(2 / 3)
    assert r["total"]["completed_rate"] == pytest.approx(1 / 3)


def test_it_computes_plan_adherence(client, ada, small_clinic):
    d = page(client, ada, **RANGE).context["adherence"]
    # PL1 (Tess, completed 03-12): 4 planned, N2 and N6 attended = 50 %.
    # PL2 (Pia, discontinued 03-05): 6 planned, N3 = 1/6. All: 3 / 10 = 30 %.
    assert [(x["name"], x["plans"], x["completed"], x["planned"], x["attended"]) for x in d["rows"]] == [
        ("Pia Test, LMT", 1, 0, 6, 1),
        ("Tess Test, LMT", 1, 1, 4, 2),
    ]
    assert d["total"]["adherence"] == pytest.approx(3 / 10)


def test_the_location_filter_narrows_appointments_visits_and_hours(client, ada, small_clinic):
    r = page(client, ada, **RANGE, location=small_clinic["north"].public_id)
    # At North: Pia's B1 and B2 only; the note of B1 (N3) is the one note with an appointment there.
    assert r.context["attendance"]["total"]["booked"] == 2
    assert r.context["visits"] == {"attended": 1, "notes": 1, "new_patients": 1}
    assert [row["name"] for row in r.context["utilization"]["rows"]] == ["Pia Test, LMT"]
    assert r.context["utilization"]["total"]["utilization"] == pytest.approx(0.75 / 8)


def test_the_practitioner_filter_narrows_every_table(client, ada, small_clinic):
    r = page(client, ada, **RANGE, practitioner=small_clinic["pia"].public_id)
    assert r.context["visits"] == {"attended": 1, "notes": 1, "new_patients": 1}
    assert r.context["attendance"]["total"]["cancellation_rate"] == pytest.approx(1 / 2)
    assert [x["name"] for x in r.context["adherence"]["rows"]] == ["Pia Test, LMT"]
    # Rowe's patients were seen by Tess only; Lee's P4 by Pia.
    assert [(x["name"], x["seen"]) for x in r.context["referrals"]["rows"]] == [("Dr. Rowe", 0), ("Dr. Lee", 1)]


def test_a_range_with_no_data_shows_empty_states_and_dashes(client, ada, small_clinic):
    r = page(client, ada, start="2020-01-06", end="2020-01-12")
    assert r.status_code == 200
    assert r.context["attendance"]["total"]["cancellation_rate"] is None
    assert r.context["referrals"]["total"]["seen_rate"] is None
    assert r.context["adherence"]["total"]["adherence"] is None
    body = r.content.decode()
    assert "No visits in this range." in body and "No appointments in this range." in body
    assert "No referrals written in this range." in body and "No plan of care ended in this range." in body


def test_utilization_with_open_hours_but_no_booking_is_zero_and_without_hours_a_dash(client, ada, small_clinic):
    # 2026-03-16 to 22: Tess works Monday and Wednesday (12 h), Pia Tuesday (4 h); nothing booked.
    u = page(client, ada, start="2026-03-16", end="2026-03-22").context["utilization"]
    assert u["total"] == {"open_hours": pytest.approx(16), "booked_hours": 0, "utilization": 0}
    # Thursday alone: nobody works, so there is nothing to divide by.
    u = page(client, ada, start="2026-03-19", end="2026-03-19").context["utilization"]
    assert u["total"]["utilization"] is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-15", "end": "2026-03-02"}, "The end date is before the start date"),
        ({"start": "2026-13-45", "end": "2026-03-02"}, "Enter a valid date."),
        ({"start": "2020-01-01", "end": "2026-03-02"}, "at most three years"),
        ({**RANGE, "location": "not-a-location"}, "is not a valid UUID."),
        ({**RANGE, "format": "pdf"}, "Unknown export format"),
        ({"start": "2026-03-02\x00", "end": "2026-03-15"}, "could not be understood"),  # NUL: the middleware
        ({**RANGE, "practitioner": "9223372036854775808"}, "is not a valid UUID."),
    ],
)
def test_bad_filters_get_a_clear_message(client, ada, small_clinic, params, message):
    r = page(client, ada, **params)
    assert r.status_code == 400
    assert message in r.content.decode()


def test_another_clinics_location_is_no_choice(client, ada, small_clinic):
    elsewhere = clinic.Location.objects.get(name="Elsewhere")
    r = page(client, ada, **RANGE, location=elsewhere.public_id)
    assert r.status_code == 400
    assert "Select a valid choice." in r.content.decode()


def test_the_default_range_is_the_last_twelve_weeks(client, ada, small_clinic):
    r = page(client, ada)
    assert r.status_code == 200
    assert (r.context["filters"].start, r.context["filters"].end) == (date(2025, 12, 27), date(2026, 3, 20))


def test_each_view_is_audited_once(client, ada, small_clinic):
    login(client, ada)
    before = AuditEvent.objects.count()
    client.get(reverse("analytics:practice"), RANGE)
    entries = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.actor_id, e.patient_id) for e in entries] == [(AuditAction.PRACTICE_VIEWED, ada.pk, None)]
    assert entries[0].detail["from"] == "2026-03-02"


def test_the_csv_export_holds_the_figures_and_is_audited(client, ada, small_clinic):
    login(client, ada)
    before = AuditEvent.objects.count()
    r = client.get(reverse("analytics:practice"), {**RANGE, "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"] == 'attachment; filename="practice-20260302-20260315.csv"'
    data = tablib.Dataset().load(r.content.decode(), format="csv")
    rows = {(row[0], row[1], row[2]): row[3] for row in data}
    assert rows[("Visits per week", "2026-03-02", "Signed notes")] == "4"
    assert rows[("Cancellations and no-shows", "All", "Cancellation rate (%)")] == "28.6"  # 2/7
    assert rows[("Utilization", "All", "Utilization (%)")] == "9.2"  # 2.75/30
    assert rows[("Plan adherence", "All", "Adherence (%)")] == "30.0"
    entries = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.detail["format"], e.detail["dashboard"]) for e in entries] == [
        (AuditAction.DASHBOARD_EXPORTED, "csv", "practice")
    ]


def test_the_xlsx_export_has_a_sheet_per_table(client, ada, small_clinic):
    login(client, ada)
    r = client.get(reverse("analytics:practice"), {**RANGE, "format": "xlsx"})
    assert r.status_code == 200
    book = openpyxl.load_workbook(BytesIO(r.content))
    assert book.sheetnames == [
        "Visits per week",
        "Utilization",
        "Cancellations and no-shows",
        "Referral sources",
        "Plan adherence",
    ]
    referrals = list(book["Referral sources"].values)
    assert referrals[0] == (
        "Referring provider",
        "Referrals",
        "First visit",
        "Completed plan",
        "Seen (%)",
        "Completed (%)",
    )
    assert referrals[1] == ("Dr. Rowe", 2, 1, 1, 50.0, 50.0)
    assert AuditEvent.objects.filter(action=AuditAction.DASHBOARD_EXPORTED, detail__format="xlsx").count() == 1


def test_an_empty_range_exports_blank_rates(client, ada, small_clinic):
    login(client, ada)
    r = client.get(reverse("analytics:practice"), {"start": "2020-01-06", "end": "2020-01-12", "format": "csv"})
    data = tablib.Dataset().load(r.content.decode(), format="csv")
    rows = {(row[0], row[1], row[2]): row[3] for row in data}
    assert rows[("Cancellations and no-shows", "All", "Cancellation rate (%)")] == ""


@pytest.mark.parametrize("persona", ["tess", "frank", "bill"])
def test_it_refuses_everyone_but_admins(client, request, small_clinic, persona):
    user = request.getfixturevalue(persona)
    login(client, user)
    assert client.get(reverse("analytics:practice"), RANGE).status_code == 403
    assert client.get(reverse("analytics:practice"), {**RANGE, "format": "csv"}).status_code == 403


def test_the_menu_links_it_for_admins_only(client, ada, tess, small_clinic):
    login(client, ada)
    assert reverse("analytics:practice") in client.get(reverse("core:home")).content.decode()
    client.logout()
    login(client, tess)
    assert reverse("analytics:practice") not in client.get(reverse("core:home")).content.decode()
