import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login
from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.records.models import Seal
from fascia.referrals.models import ReferringProvider
from fascia.referrals.services import record_referral
from fascia.scheduling.models import AppointmentType
from fascia.techniques.models import Technique
from fascia.visits import services
from fascia.visits.models import VisitNote, VisitTechnique
from fascia.visits.tests.factories import active_plan, appointment, signed_note


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


def technique_rows(*rows: tuple[str, str, int | str]) -> dict:
    """The edit form's treatment rows: (technique code, region, minutes)."""
    data = {"techniques-TOTAL_FORMS": str(len(rows)), "techniques-INITIAL_FORMS": "0"}
    for n, (code, region, minutes) in enumerate(rows):
        data |= {
            f"techniques-{n}-technique": str(Technique.objects.get(code=code).pk),
            f"techniques-{n}-region": region,
            f"techniques-{n}-minutes": str(minutes),
        }
    return data


def note_form(note: VisitNote, **fields: str) -> dict:
    sections = ("findings", "rom", "local_findings")
    empty = {f"{p}-TOTAL_FORMS": "0" for p in sections} | {f"{p}-INITIAL_FORMS": "0" for p in sections}
    return {"kind": note.kind, "visited_on": note.visited_on.isoformat(), **empty, **fields}


def test_write_and_sign_a_note_in_one_go(client: Client, tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient)
    login(client, tess)
    url = reverse("visits:edit", args=[note.public_id])
    data = note_form(note, subjective="Better after last visit.", nprs_before="4", nprs_after="2", then="sign")
    with CaptureQueriesContext(connection) as queries:
        r = client.post(url, data | technique_rows(("deep-tissue", "lower-back", 20), ("trigger-point", "pelvis", 10)))
    assert r.status_code == 302 and r.url == reverse("visits:detail", args=[note.public_id])
    # Saved and signed in one transaction: the techniques are screened against the history once.
    assert sum('FROM "patients_medication"' in q["sql"] for q in queries.captured_queries) == 1
    # The note is written once, already signed.
    assert sum(q["sql"].startswith('UPDATE "visits_visitnote"') for q in queries.captured_queries) == 1
    # Audited as saved, then signed: an entry for each action, both in one INSERT.
    assert sum(q["sql"].startswith('INSERT INTO "audit_auditevent"') for q in queries.captured_queries) == 1
    trail = AuditEvent.objects.filter(target_id=str(note.public_id)).order_by("id").values_list("action", flat=True)
    assert list(trail)[-2:] == [AuditAction.NOTE_SAVED, AuditAction.NOTE_SIGNED]
    note.refresh_from_db()
    assert note.is_signed and note.nprs_after == 2
    assert sorted(note.techniques.values_list("minutes", flat=True)) == [10, 20]
    assert Seal.objects.filter(record_id=note.public_id).exists()
    assert client.get(url).url == reverse("visits:detail", args=[note.public_id])  # locked: no edit form


def test_a_refused_signature_keeps_the_draft_saved(client: Client, tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient)
    login(client, tess)
    url = reverse("visits:edit", args=[note.public_id])
    data = note_form(note, subjective="Typed before signing.", then="sign")  # no pain rating: signing needs one
    r = client.post(url, data | technique_rows(("deep-tissue", "lower-back", 20)), follow=True)
    assert r.redirect_chain == [(url, 302)]
    assert "Missing: pain before treatment." in r.content.decode()
    note.refresh_from_db()
    assert not note.is_signed and note.subjective == "Typed before signing."
    assert list(note.techniques.values_list("minutes", flat=True)) == [20]
    assert not Seal.objects.filter(record_id=note.public_id).exists()


def test_a_refused_save_keeps_what_was_typed_and_saves_nothing(
    client: Client, tess: User, patient: Patient, location: Location
) -> None:
    visit = appointment(tess, patient, location, timezone.localdate() + timedelta(days=1))
    note = services.start_note(actor=tess, patient=patient, appointment=visit)
    login(client, tess)
    data = note_form(note, subjective="Typed words") | technique_rows(("deep-tissue", "lower-back", 40))
    r = client.post(reverse("visits:edit", args=[note.public_id]), data)
    assert r.status_code == 200
    assert "more than the 30-minute visit" in r.content.decode()
    assert "Typed words" in r.content.decode()
    assert VisitTechnique.objects.count() == 0
    r = client.post(
        reverse("visits:edit", args=[note.public_id]), data | technique_rows(("deep-tissue", "lower-back", -5))
    )
    assert "Ensure this value is greater than or equal to 1" in r.content.decode()
    assert VisitNote.objects.get(pk=note.pk).subjective == ""


def test_minutes_add_up_by_cpt_code_as_typed(client: Client, tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient)
    login(client, tess)
    rows = technique_rows(("deep-tissue", "lower-back", 20), ("trigger-point", "pelvis", 10), ("swedish", "neck", 8))
    r = client.post(reverse("visits:minutes", args=[note.public_id]), rows)
    summary = r.context["summary"]
    assert [(c.cpt_code, c.minutes) for c in summary.codes] == [("97124", 8), ("97140", 30)]
    assert summary.timed_total == 38
    assert "97140" in r.content.decode()


def test_edit_and_detail_pages_cost_the_same_queries_for_1_or_4_techniques(
    client: Client, tess: User, patient: Patient
) -> None:
    active_plan(tess, patient, start=timezone.localdate())
    note = services.start_note(actor=tess, patient=patient)
    login(client, tess)
    pages = [reverse("visits:edit", args=[note.public_id]), reverse("visits:detail", args=[note.public_id])]
    with CaptureQueriesContext(connection) as one:
        for url in pages:
            assert client.get(url).status_code == 200
    rows = [
        {"technique_id": Technique.objects.get(code=c).pk, "region": "neck", "minutes": 5}
        for c in ("deep-tissue", "trigger-point", "swedish", "myofascial-release")
    ]
    services.save_note(actor=tess, note=note, techniques=rows)
    with CaptureQueriesContext(connection) as four:
        for url in pages:
            client.get(url)
    assert len(one) == len(four)


def test_the_dashboard_lists_the_day_and_what_is_due(
    client: Client, tess: User, organization: Organization, location: Location
) -> None:
    today = timezone.localdate()
    patient = PatientFactory(organization=organization, family_name="Quill")
    plan = active_plan(tess, patient, start=today - timedelta(days=31), planned_visits=12)
    provider = ReferringProvider.objects.create(organization=organization, kind="physician", name="Dr. Rowe")
    plan.referral = record_referral(
        actor=tess,
        patient=patient,
        provider=provider,
        referral_date=today - timedelta(days=35),
        order="Massage 2x/week",
        visits_authorized=2,
        expires_on=today + timedelta(days=60),
    )
    plan.save()
    signed_note(tess, patient, today - timedelta(days=20))
    stale = services.start_note(actor=tess, patient=patient, visited_on=today - timedelta(days=5))
    appointment(tess, patient, location, today)
    login(client, tess)
    with CaptureQueriesContext(connection) as one_patient:
        r = client.get(reverse("visits:dashboard"))
    context = r.context
    assert [row["appointment"].patient for row in context["schedule"]] == [patient]
    assert [(d["note"], d["overdue"]) for d in context["drafts"]] == [(stale, True)]
    assert context["reports"][0]["status"].progress_due.reason.startswith("31 days since the plan of care started")
    assert context["referrals"][0]["left"] == 1
    body = r.content.decode()
    chart = reverse("patients:chart", args=[patient.public_id])
    assert f'<a href="{chart}">Quill, ' in body
    assert (
        f'action="{reverse("visits:for_appointment", args=[context["schedule"][0]["appointment"].public_id])}"' in body
    )
    assert "Write note" in body
    assert f'href="{reverse("visits:edit", args=[stale.public_id])}"' in body
    assert f'href="{reverse("plans:detail", args=[plan.public_id])}"' in body
    assert f"1 visit left from Dr. Rowe, expires {today + timedelta(days=60):%Y-%m-%d}" in body
    for n in range(3):
        other = PatientFactory(organization=organization)
        active_plan(tess, other, start=today - timedelta(days=n))
        signed_note(tess, other, today)
    with CaptureQueriesContext(connection) as four_patients:
        client.get(reverse("visits:dashboard"))
    assert len(one_patient) == len(four_patients)


def test_the_dashboard_shows_an_expired_referral_as_expired(
    client: Client, tess: User, organization: Organization
) -> None:
    today = timezone.localdate()
    provider = ReferringProvider.objects.create(organization=organization, kind="physician", name="Dr. Rowe")
    for name, expires_on in (("Quill", today + timedelta(days=10)), ("Rosales", today - timedelta(days=3))):
        patient = PatientFactory(organization=organization, family_name=name)
        plan = active_plan(tess, patient, start=today - timedelta(days=20), planned_visits=12)
        plan.referral = record_referral(
            actor=tess,
            patient=patient,
            provider=provider,
            referral_date=today - timedelta(days=40),
            order="Massage 2x/week",
            visits_authorized=12,
            expires_on=expires_on,
        )
        plan.save()
    login(client, tess)
    r = client.get(reverse("visits:dashboard"))
    rows = [(row["plan"].patient.family_name, row["expired"]) for row in r.context["referrals"]]
    assert rows == [("Rosales", True), ("Quill", False)]  # the expired first
    body = " ".join(r.content.decode().split())
    assert "Referrals expired or running out" in body
    expired = f"the referral from Dr. Rowe expired {today - timedelta(days=3):%Y-%m-%d} with 12 visits unused"
    assert '<span class="badge text-bg-danger">Expired</span> <a href' in body and expired in body
    assert f"12 visits left from Dr. Rowe, expires {today + timedelta(days=10):%Y-%m-%d}" in body
    assert "left from Dr. Rowe, expires " + f"{today - timedelta(days=3):%Y-%m-%d}" not in body


def test_the_dashboard_offers_to_continue_a_note_started_from_the_schedule(
    client: Client, tess: User, patient: Patient, location: Location
) -> None:
    today = timezone.localdate()
    started = appointment(tess, patient, location, today)
    services.start_note(actor=tess, patient=patient, appointment=started)
    login(client, tess)
    body = client.get(reverse("visits:dashboard")).content.decode()
    assert 'btn-outline-secondary" type="submit">Continue note</button>' in body
    assert "Write note" not in body


def test_the_day_view_opens_the_appointments_note(
    client: Client, tess: User, patient: Patient, location: Location
) -> None:
    visit = appointment(tess, patient, location, timezone.localdate())
    login(client, tess)
    day = client.get(reverse("scheduling:day"), {"location": location.public_id})
    assert reverse("visits:for_appointment", args=[visit.public_id]) in day.content.decode()
    opened = client.post(reverse("visits:for_appointment", args=[visit.public_id]))
    note = VisitNote.objects.get(appointment=visit)
    assert opened.url == reverse("visits:edit", args=[note.public_id])
    again = client.post(reverse("visits:for_appointment", args=[visit.public_id]))
    assert again.url == opened.url and VisitNote.objects.count() == 1


def test_tampering_shows_on_the_signed_records_page(
    client: Client, tess: User, ada: User, organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page checks a few patients a request, each part linking to the next (htmx follows the link
    itself), and sums up at the end; the problem shows in the part that found it."""
    monkeypatch.setattr("fascia.records.views.VERIFY_SEALS", 2)
    patients = [PatientFactory(organization=organization, family_name=f"Chain{i}") for i in range(5)]
    notes = [signed_note(tess, p, timezone.localdate()) for p in patients]
    login(client, ada)
    page = client.get(reverse("records:verify")).content.decode()
    assert "Checked 2 of 5 signed records." in page and "no longer matches" not in page

    VisitNote.objects.filter(pk=notes[3].pk).update(nprs_before=1)  # behind the application's back
    url, parts = reverse("records:verify"), []
    while url:
        part = client.get(url, headers={"HX-Request": "true"})
        assert part.status_code == 200 and "<h1" not in part.content.decode()  # a part, not the page
        parts.append(part.content.decode())
        following = re.search(r'hx-get="([^"]+)"', part.content.decode())
        url = html.unescape(following[1]) if following else ""
    assert len(parts) == 3  # patients 1-2, 3-4, 5
    assert "Chain3" in parts[1] and "no longer matches" in parts[1]
    assert "no longer matches" not in parts[0] + parts[2]
    assert "1 problem</strong> in 5 signed records" in parts[2]
    verified = AuditEvent.objects.filter(action="records.verified", actor=ada).order_by("pk")
    assert [e.detail["checked"] for e in verified] == [2, 2, 2, 1]
    assert [e.detail["problems"] for e in verified] == [0, 0, 1, 0]

    # A link without script shows the page with the part and the same progress.
    link = re.search(r'<a href="([^"]+)">Check the next records', parts[0])
    page = client.get(html.unescape(link[1])).content.decode()
    assert "<h1" in page and "Chain3" in page and "Checked 4 of 5 signed records, 1 problem so far." in page


@pytest.mark.parametrize("query", ["after=x&checked=0&problems=0&total=1", "after=1&checked=-1&problems=0&total=1"])
def test_a_mangled_verification_address_is_refused(client: Client, ada: User, query: str) -> None:
    login(client, ada)
    before = AuditEvent.objects.count()
    answer = client.get(f"{reverse('records:verify')}?{query}")
    assert answer.status_code == 400 and "start it again" in answer.content.decode()
    assert AuditEvent.objects.count() == before


def test_a_plan_prefills_a_series_on_the_booking_form(client: Client, frank: User, tess: User, patient) -> None:
    today = timezone.localdate()
    active_plan(tess, patient, start=today)  # 2x a week for 6 weeks
    login(client, frank)
    r = client.get(reverse("scheduling:book"), {"patient": patient.public_id, "series": "plan", "day": today})
    form = r.context["form"]
    assert form["repeat_weekdays"].value() == ["1", "3"]
    assert form["repeat_weeks"].value() == 6
    assert AppointmentType.objects.exists()


def test_a_measure_is_taken_at_the_visit_until_the_note_is_signed(client: Client, tess: User, patient: Patient) -> None:
    note = services.start_note(actor=tess, patient=patient)
    login(client, tess)
    url = reverse("visits:measure", args=[note.public_id])
    assert 'name="item-0"' in client.get(url, {"instrument": "NPRS"}).content.decode()
    client.post(url, {"instrument": "NPRS", "item-0": "4"})
    assert [(m.instrument, m.value) for m in note.measures.all()] == [("NPRS", 4.0)]
    rows = [{"technique_id": Technique.objects.get(code="swedish").pk, "region": "neck", "minutes": 20}]
    services.save_note(actor=tess, note=note, techniques=rows, nprs_before=4)
    services.sign_note(actor=tess, note=note)
    r = client.post(url, {"instrument": "NPRS", "item-0": "2"}, follow=True)
    assert "signed and locked" in r.content.decode()
    assert note.measures.count() == 1


def test_the_chart_shows_the_latest_notes_and_links_to_all_of_them(
    client: Client, tess: User, patient: Patient
) -> None:
    first = timezone.localdate() - timedelta(days=60)
    notes = [signed_note(tess, patient, first + timedelta(days=2 * i)) for i in range(12)]
    login(client, tess)

    chart = client.get(patient.get_chart_url()).content.decode()
    all_notes = reverse("visits:patient_notes", args=[patient.public_id])
    shown = [n for n in notes if reverse("visits:detail", args=[n.public_id]) in chart]
    assert shown == notes[2:]  # the ten latest
    assert all_notes in chart

    page = client.get(all_notes).content.decode()
    assert all(reverse("visits:detail", args=[n.public_id]) in page for n in notes)
    assert page.index(notes[-1].visited_on.isoformat()) < page.index(notes[0].visited_on.isoformat())  # newest first
    assert AuditEvent.objects.filter(actor=tess, patient=patient, detail__page="visit notes").count() == 1


def test_a_prefilled_note_says_where_its_parts_come_from(client: Client, tess: User, patient: Patient) -> None:
    start = timezone.localdate() - timedelta(days=10)
    active_plan(tess, patient, start=start)
    login(client, tess)
    first = services.start_note(actor=tess, patient=patient, visited_on=start)
    page = client.get(reverse("visits:edit", args=[first.public_id])).content.decode()
    assert "Prefilled from the plan of care" in page
    signed = signed_note(tess, patient, start + timedelta(days=2))
    later = services.start_note(actor=tess, patient=patient, visited_on=start + timedelta(days=5))
    page = client.get(reverse("visits:edit", args=[later.public_id])).content.decode()
    assert f"Prefilled from the note of {signed.visited_on.isoformat()}:" in page


def goal_rows(note: VisitNote, *rows: tuple[int, str, str]) -> dict:
    """The edit form's goal rows: (goal, status, where it stands)."""
    data = {"goals-TOTAL_FORMS": str(len(rows)), "goals-INITIAL_FORMS": str(len(rows))}
    for n, (goal, status, text) in enumerate(rows):
        data |= {f"goals-{n}-goal": str(goal), f"goals-{n}-status": status, f"goals-{n}-note": text}
    return data


def test_progress_on_the_plans_goals_is_a_formset_with_errors_per_row(
    client: Client, tess: User, patient: Patient
) -> None:
    plan = active_plan(tess, patient, start=timezone.localdate())
    goal = plan.goals.get()
    note = services.start_note(actor=tess, patient=patient)
    login(client, tess)
    url = reverse("visits:edit", args=[note.public_id])
    treated = note_form(note) | technique_rows(("deep-tissue", "lower-back", 20))
    page = client.get(url).content.decode()
    assert 'name="goals-TOTAL_FORMS" value="1"' in page
    assert f'<label class="visually-hidden" for="id_goals-0-status">Status of “{goal.description}”</label>' in page

    r = client.post(url, treated | goal_rows(note, (goal.pk, "finished", "<b>ODI 30</b>")))
    assert r.status_code == 200
    body = r.content.decode()
    assert re.search(r'id="id_goals-0-status_error">Select a valid choice\. finished is not one', body)
    assert 'value="&lt;b&gt;ODI 30&lt;/b&gt;"' in body and "<b>ODI 30" not in body
    note.refresh_from_db()
    assert note.goal_progress == []

    r = client.post(url, treated | goal_rows(note, (999999, "met", "")))  # not a goal of this plan
    assert r.status_code == 200 and 'id="id_goals-0-goal_error"' in r.content.decode()

    r = client.post(url, treated | goal_rows(note, (goal.pk, "met", " ODI 18 ")))
    assert r.status_code == 302
    note.refresh_from_db()
    assert note.goal_progress == [{"goal": goal.pk, "status": "met", "note": "ODI 18"}]
    page = client.get(url).content.decode()
    assert '<option value="met" selected>' in page and 'value="ODI 18"' in page
