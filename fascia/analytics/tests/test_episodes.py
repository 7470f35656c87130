"""Episodes of care built from what the clinic records: plans and their revisions, signed notes, measures."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fascia.analytics import episodes
from fascia.analytics.models import ConditionGroup, Episode
from fascia.billing.models import Payer
from fascia.billing.tests.factories import billable_patient, note
from fascia.core.models import Organization, User
from fascia.measures.services import record_measure
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services as plan_services
from fascia.plans.models import TreatmentPlan
from fascia.visits.tests.factories import active_plan

START = date(2026, 11, 3)  # the plan; its evaluation (complete_draft) is on 2026-11-02 with ODI 40


def _plan(coverage) -> TreatmentPlan:
    return TreatmentPlan.objects.get(patient=coverage.patient)


def test_an_episode_sums_up_its_plan(tess: User, organization: Organization) -> None:
    """Two signed visits (deep tissue 25 min on the low back and Swedish 10 min on the neck each), ODI 40 at the
    evaluation and 24 on 11-12 (2·2 + 8·1 = 12 of 50): improvement 16 ≥ MCID 10, first reached on day 10 after 2
    visits."""
    coverage = billable_patient(tess, organization, start=START, visits=2)
    record_measure(
        actor=tess,
        patient=coverage.patient,
        instrument="ODI",
        responses=[2] * 2 + [1] * 8,
        administered_on=date(2026, 11, 12),
    )
    episodes.refresh(_plan(coverage))
    episode = Episode.objects.get()
    assert (episode.start_date, episode.end_date, episode.status) == (date(2026, 11, 2), date(2026, 11, 12), "open")
    assert (episode.visits, episode.days, episode.practitioner, episode.organization) == (
        2,
        10,
        tess.practitioner,
        organization,
    )
    assert episode.diagnoses == ["M54.50"]
    assert [g.name for g in episode.groups.all()] == ["Low back pain"]
    assert (episode.payer_kind, episode.referral_source) == (Payer.Kind.COMMERCIAL, "physician")
    assert episode.total_minutes == 70 and episode.dominant_technique.code == "deep-tissue"  # 50 of 70 > half
    minutes = {(t.technique.code, t.region): t.minutes for t in episode.techniques.all()}
    assert minutes == {("deep-tissue", "lower-back"): 50, ("swedish", "neck"): 20}
    [odi] = episode.measures.all()
    assert (odi.baseline, odi.latest, odi.change, odi.reached_mcid) == (40, 24, 16, True)
    assert (odi.follow_ups, odi.visits_to_mcid, odi.days_to_mcid) == (1, 2, 10)


def test_no_coverage_is_self_pay_and_no_referral_self_referred(tess: User, organization: Organization) -> None:
    patient = PatientFactory(organization=organization)
    plan = active_plan(tess, patient, start=START)
    episodes.refresh(plan)
    episode = Episode.objects.get()
    assert (episode.payer_kind, episode.referral_source, episode.visits) == ("self-pay", "self-referred", 0)
    assert episode.dominant_technique is None and episode.total_minutes == 0
    [odi] = episode.measures.all()
    assert (odi.baseline, odi.change, odi.reached_mcid) == (40, None, False)  # a baseline, no follow-up yet


def test_no_technique_over_half_the_minutes_is_mixed(tess: User, organization: Organization) -> None:
    coverage = billable_patient(tess, organization, start=START, visits=0)
    note(tess, coverage.patient, START, [("deep-tissue", "lower-back", 20), ("swedish", "neck", 20)])
    episodes.refresh(_plan(coverage))
    episode = Episode.objects.get()
    assert episode.total_minutes == 40 and episode.dominant_technique is None  # 20 of 40 is not more than half


def test_signing_a_note_and_recording_a_measure_refresh_the_episode(
    tess: User, organization: Organization, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        coverage = billable_patient(tess, organization, start=START, visits=1)
    assert Episode.objects.get().visits == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note(tess, coverage.patient, date(2026, 11, 5), [("deep-tissue", "lower-back", 30)])
    assert callbacks and Episode.objects.get().visits == 2
    assert Episode.objects.get().total_minutes == 35 + 30
    with django_capture_on_commit_callbacks(execute=True):
        record_measure(
            actor=tess,
            patient=coverage.patient,
            instrument="ODI",
            responses=[1] * 10,
            administered_on=date(2026, 11, 6),
        )
    odi = Episode.objects.get().measures.get()
    assert (odi.latest, odi.change, odi.reached_mcid, odi.visits_to_mcid, odi.days_to_mcid) == (20, 20, True, 2, 4)


def test_a_revision_stays_in_the_episode_and_ending_the_plan_closes_it(
    tess: User, organization: Organization, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        coverage = billable_patient(tess, organization, start=START, visits=1)
        first = _plan(coverage)
        revision = plan_services.revise_plan(actor=tess, plan=first)
        plan_services.activate_plan(actor=tess, plan=revision)
        note(tess, coverage.patient, date(2026, 11, 9), [("deep-tissue", "lower-back", 30)])
    episode = Episode.objects.get()  # one episode for both versions
    assert (episode.plan_id, episode.visits, episode.status) == (first.pk, 2, "open")
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.end_plan(actor=tess, plan=TreatmentPlan.objects.get(pk=revision.pk), status="completed")
    episode = Episode.objects.get()
    assert (episode.status, episode.end_date) == ("closed", timezone.localdate())


def test_a_score_after_the_end_is_not_the_episodes(tess: User, organization: Organization) -> None:
    patient = PatientFactory(organization=organization)
    plan = active_plan(tess, patient, start=START)
    plan_services.end_plan(actor=tess, plan=plan, status="discontinued", reason="Moved away")
    record_measure(
        actor=tess,
        patient=patient,
        instrument="ODI",
        responses=[0] * 10,
        administered_on=timezone.localdate() + timezone.timedelta(days=1),
    )
    episodes.refresh(plan)
    assert Episode.objects.get().measures.get().change is None


def test_the_command_rebuilds_everything_in_a_fixed_number_of_queries(tess: User, organization: Organization) -> None:
    for _ in range(2):
        billable_patient(tess, organization, start=START, visits=1)
    Episode.objects.all().delete()
    out = io.StringIO()
    call_command("refresh_episodes", stdout=out)
    assert out.getvalue() == "2 episode(s) of care rebuilt.\n"
    assert Episode.objects.count() == 2
    with CaptureQueriesContext(connection) as two:
        episodes.rebuild()
    billable_patient(tess, organization, start=START, visits=3)
    with CaptureQueriesContext(connection) as three:
        episodes.rebuild()
    assert Episode.objects.count() == 3 and len(three) == len(two)


def test_editing_a_group_regroups_the_episodes(tess: User, organization: Organization) -> None:
    coverage = billable_patient(tess, organization, start=START, visits=1)
    episodes.refresh(_plan(coverage))
    sciatica = ConditionGroup.objects.get(organization=organization, name="Sciatica")
    sciatica.codes = ["M54"]
    sciatica.save()
    episodes.regroup(organization.pk)
    assert {g.name for g in Episode.objects.get().groups.all()} == {"Low back pain", "Sciatica"}


def test_a_new_organization_starts_with_the_default_groups(db) -> None:
    clinic = Organization.objects.create(legal_name="New", tax_id="12-3456789", group_npi="1234567893")
    names = list(ConditionGroup.objects.filter(organization=clinic).values_list("name", flat=True))
    assert names[:2] == ["Low back pain", "Neck pain"] and len(names) == 8


@pytest.mark.parametrize("kind", [Payer.Kind.WORKERS_COMP])
def test_payer_kind_is_the_primary_coverages(tess: User, organization: Organization, kind: str) -> None:
    coverage = billable_patient(tess, organization, start=START, visits=1, kind=kind)
    episodes.refresh(_plan(coverage))
    assert Episode.objects.get().payer_kind == kind


def test_many_writes_in_one_transaction_rebuild_the_patient_once(
    tess: User, organization: Organization, django_capture_on_commit_callbacks
) -> None:
    """A demo load or an import signs many notes in one transaction: the episode is rebuilt once, at the commit,
    and still counts them all."""
    coverage = billable_patient(tess, organization, start=START, visits=0)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True) as callbacks:
        for day in (5, 7, 9):
            note(tess, coverage.patient, date(2026, 11, day), [("deep-tissue", "lower-back", 30)])
    rebuilds = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "analytics_episode" (')]
    assert len(callbacks) >= 3 and len(rebuilds) == 1
    assert Episode.objects.get().visits == 3


def test_a_patient_with_no_plan_ever_activated_costs_one_read(tess: User, organization: Organization) -> None:
    """A score at an evaluation comes before its plan: the refresh reads the plans, finds none, and writes nothing
    (bench/journey.py holds the whole journey to 80 statements)."""
    patient = PatientFactory(organization=organization)
    record_measure(actor=tess, patient=patient, instrument="NPRS", responses=[6], administered_on=date(2026, 11, 2))
    with CaptureQueriesContext(connection) as run:
        episodes.rebuild([patient.pk])
    statements = [q["sql"] for q in run.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 1 and statements[0].startswith("SELECT")
    assert not Episode.objects.filter(patient=patient).exists()
