"""The documentation check at signing (issue 24 point 9): the scrubber's rules that read the note run on a draft
as warnings, on the note's page and at signing, and never refuse a signature."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fascia.billing.models import Authorization, Coverage, Payer
from fascia.billing.scrubber import documentation, documentation_warnings
from fascia.billing.tests.factories import billable_patient, note
from fascia.conftest import login
from fascia.core.models import Organization, User
from fascia.evaluations.models import Diagnosis
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import TreatmentPlan
from fascia.referrals.models import Referral
from fascia.techniques.models import Technique
from fascia.visits import services as visit_services
from fascia.visits import warnings
from fascia.visits.models import VisitNote

START = date(2026, 11, 2)  # the plan starts; the two signed visits are on the 2nd and the 4th
DAY = date(2026, 11, 6)


def rows(*performed: tuple[str, str, int]) -> list[dict]:
    return [
        {"technique_id": Technique.objects.get(code=code).pk, "region": region, "minutes": minutes}
        for code, region, minutes in performed
    ]


def draft(tess: User, coverage: Coverage, *performed: tuple[str, str, int], day: date = DAY, **fields) -> VisitNote:
    started = visit_services.start_note(actor=tess, patient=coverage.patient, visited_on=day)
    techniques = rows(*performed) if performed else rows(("deep-tissue", "lower-back", 25))
    return visit_services.save_note(actor=tess, note=started, techniques=techniques, nprs_before=4, **fields)


def found(note: VisitNote) -> list[str]:
    return warnings.warnings_for(note, list(note.techniques.select_related("technique")))


@pytest.fixture
def coverage(tess: User, organization: Organization) -> Coverage:
    return billable_patient(tess, organization, start=START)


class TestRules:
    def test_a_clean_visit_draws_nothing(self, tess: User, coverage: Coverage) -> None:
        assert found(draft(tess, coverage)) == []

    def test_no_coverage_nothing_to_bill(self, tess: User, organization: Organization) -> None:
        patient = PatientFactory(organization=organization)
        started = visit_services.start_note(actor=tess, patient=patient, visited_on=DAY)
        visit_services.save_note(actor=tess, note=started, techniques=rows(("swedish", "neck", 3)), nprs_before=4)
        assert found(started) == []  # no plan and 3 minutes, but no payer to bill

    @pytest.mark.parametrize(
        ("method", "performed", "warning"),
        [
            ("per_code", [("swedish", "neck", 7)], "97124: 7 minute(s) documented on 2026-11-06 bill no unit"),
            ("per_code", [("swedish", "neck", 8)], None),  # 8 minutes: a unit
            ("cms", [("deep-tissue", "lower-back", 25), ("swedish", "neck", 8)], "the day's 33 timed minutes make 2"),
            ("cms", [("deep-tissue", "lower-back", 20), ("swedish", "neck", 8)], None),  # 28 minutes: 2 units
            ("per_code", [("deep-tissue", "lower-back", 25), ("swedish", "neck", 8)], None),
        ],
    )
    def test_units_supported_by_minutes(self, tess: User, coverage: Coverage, method, performed, warning) -> None:
        Payer.objects.update(units_method=method)
        warned = [w for w in found(draft(tess, coverage, *performed)) if "bill no unit" in w]
        if warning is None:
            assert warned == []
        else:
            assert len(warned) == 1 and warning in warned[0], warned

    def test_units_pool_the_days_signed_notes(self, tess: User, coverage: Coverage) -> None:
        note(tess, coverage.patient, DAY, [("swedish", "neck", 5)])  # signed earlier that day
        assert [w for w in found(draft(tess, coverage, ("swedish", "neck", 5))) if "bill no unit" in w] == []
        other_day = draft(tess, coverage, ("swedish", "neck", 5), day=DAY + timedelta(days=1))
        assert [w for w in found(other_day) if "bill no unit" in w] != []

    def test_referral_visits_left_and_expiry(self, tess: User, coverage: Coverage) -> None:
        Payer.objects.update(requires_referral=True)
        referral = Referral.objects.get(patient=coverage.patient)
        Referral.objects.filter(pk=referral.pk).update(visits_authorized=3)
        assert found(draft(tess, coverage)) == []  # visit 3 of 3
        Referral.objects.filter(pk=referral.pk).update(visits_authorized=2, expires_on=DAY - timedelta(days=1))
        assert found(draft(tess, coverage, day=DAY + timedelta(days=1))) == [
            "The referral from Dr. Ada Rowe expired on 2026-11-05.",
            "This is visit 3 of a referral for 2: ask Dr. Ada Rowe to renew it.",
        ]
        TreatmentPlan.objects.update(referral=None)
        assert found(draft(tess, coverage, day=DAY + timedelta(days=2))) == [
            f"{coverage.payer} requires a referral; the plan of care has none."
        ]

    def test_authorization_visits_left(self, tess: User, coverage: Coverage) -> None:
        Payer.objects.update(requires_authorization=True)
        assert found(draft(tess, coverage)) == [
            f"{coverage.payer} requires a prior authorization; none covers 2026-11-06."
        ]
        authorization = Authorization.objects.create(
            coverage=coverage, number="AUTH-7", visits_allowed=3, starts_on=START, ends_on=START + timedelta(days=30)
        )
        assert found(draft(tess, coverage, day=DAY + timedelta(days=1))) == []  # the two signed visits wait: 3 of 3
        Authorization.objects.filter(pk=authorization.pk).update(visits_allowed=2)
        assert found(draft(tess, coverage, day=DAY + timedelta(days=2))) == [
            "Authorization AUTH-7 allows 2 visits; this is visit 3."
        ]

    def test_certification_current(self, tess: User, coverage: Coverage) -> None:
        Payer.objects.update(requires_certification=True)
        plan = TreatmentPlan.objects.get(patient=coverage.patient)
        evaluated = plan.evaluation.evaluated_on
        assert found(draft(tess, coverage)) == [
            f"{coverage.payer} requires the plan of care certified by the referring provider; it is not (due by "
            f"{evaluated + timedelta(days=30):%Y-%m-%d})."
        ]
        TreatmentPlan.objects.update(certified_by="Dr. Ada Rowe", certified_on=evaluated + timedelta(days=2))
        assert found(draft(tess, coverage, day=DAY + timedelta(days=1))) == []
        far = evaluated + timedelta(days=95)
        assert [w for w in found(draft(tess, coverage, day=far)) if "needs a recertification" in w] != []

    def test_progress_report_due(self, tess: User, coverage: Coverage) -> None:
        for n in range(7):  # with the two of billable_patient: nine signed visits, so this is the tenth
            note(tess, coverage.patient, DAY + timedelta(days=n), [("deep-tissue", "lower-back", 25)])
        tenth = draft(tess, coverage, day=DAY + timedelta(days=8), kind=VisitNote.Kind.FOLLOW_UP)
        assert found(tenth) == [
            "A progress report is due (this is visit 10 since the plan of care started (a report is due every 10)): "
            "write this visit as a progress note, or the visits after the missing report may be denied."
        ]
        VisitNote.objects.filter(pk=tenth.pk).update(kind=VisitNote.Kind.PROGRESS)
        assert found(VisitNote.objects.get(pk=tenth.pk)) == []

    def test_diagnosis_pointers(self, tess: User, coverage: Coverage) -> None:
        plan = TreatmentPlan.objects.get(patient=coverage.patient)
        diagnoses = Diagnosis.objects.filter(evaluation=plan.evaluation_id)
        assert diagnoses.exists()
        diagnoses.update(code="V43.52XA")
        assert found(draft(tess, coverage)) == [
            "None of the evaluation's diagnoses (V43.52XA) is a billable code a claim line can point to."
        ]
        diagnoses.delete()
        assert found(draft(tess, coverage, day=DAY + timedelta(days=1))) == [
            "The plan's evaluation has no diagnosis: the claim lines would point to none."
        ]
        no_plan = draft(tess, coverage, day=DAY + timedelta(days=2))
        VisitNote.objects.filter(pk=no_plan.pk).update(plan=None)
        assert found(VisitNote.objects.get(pk=no_plan.pk)) == [
            "This visit is on no plan of care: its claim lines would have no diagnosis to point to."
        ]

    def test_every_rule_names_its_source(self) -> None:
        names = [r.check.__name__ for r in documentation.NOTE_RULES]
        assert len(names) == len(set(names)) == 6
        assert [r.check.__name__ for r in documentation.NOTE_RULES if len(r.source) < 10] == []


def test_the_queries_do_not_grow_with_the_record(tess: User, coverage: Coverage) -> None:
    """A fixed number of queries, however many techniques, diagnoses, earlier visits or same-day notes."""
    Payer.objects.update(requires_authorization=True, requires_referral=True, requires_certification=True)
    Authorization.objects.create(
        coverage=coverage, number="AUTH-1", visits_allowed=40, starts_on=START, ends_on=START + timedelta(days=60)
    )

    def counted(day: date, performed: list[tuple[str, str, int]]) -> int:
        drafted = draft(tess, coverage, *performed, day=day)
        techniques = list(drafted.techniques.select_related("technique"))
        with CaptureQueriesContext(connection) as queries:
            documentation_warnings(VisitNote.objects.select_related("plan").get(pk=drafted.pk), techniques)
        return len(queries)

    few = counted(DAY, [("deep-tissue", "lower-back", 20)])
    plan = TreatmentPlan.objects.get(patient=coverage.patient)
    Diagnosis.objects.bulk_create(
        Diagnosis(evaluation_id=plan.evaluation_id, code=code, rank=n)
        for n, code in enumerate(["M54.2", "M79.7", "M62.830"], start=5)
    )
    for n in range(4):
        note(tess, coverage.patient, DAY + timedelta(days=1 + n), [("swedish", "neck", 10)])
    note(tess, coverage.patient, DAY + timedelta(days=8), [("swedish", "neck", 10), ("deep-tissue", "neck", 9)])
    many = counted(DAY + timedelta(days=8), [("deep-tissue", "lower-back", 10), ("swedish", "pelvis", 9)])
    assert few == many <= 8  # the eighth: what the plan's techniques treat (off_plan in diagnosis_pointers)


class TestSigning:
    def test_warnings_never_refuse_a_signature(self, tess: User, coverage: Coverage) -> None:
        Payer.objects.update(requires_authorization=True)
        drafted = draft(tess, coverage, ("swedish", "neck", 5))
        got: list[str] = []
        signed = visit_services.sign_note(actor=tess, note=drafted, warnings=got)
        assert signed.is_signed
        assert got == [
            f"97124: 5 minute(s) documented on 2026-11-06 bill no unit to {coverage.payer} (Per code (substantial "
            "portion): a unit needs 8 minutes).",
            f"{coverage.payer} requires a prior authorization; none covers 2026-11-06.",
        ]

    def test_save_and_sign_lists_them_too(self, tess: User, coverage: Coverage) -> None:
        Payer.objects.update(requires_authorization=True)
        drafted = draft(tess, coverage)
        got: list[str] = []
        visit_services.save_and_sign(
            actor=tess, note=drafted, techniques=rows(("deep-tissue", "lower-back", 25)), nprs_before=4, warnings=got
        )
        assert VisitNote.objects.get(pk=drafted.pk).is_signed
        assert got == [f"{coverage.payer} requires a prior authorization; none covers 2026-11-06."]

    @pytest.mark.parametrize("sign", ["sign_note", "save_and_sign"])
    def test_a_patient_without_coverage_is_checked_with_the_lock(
        self, tess: User, organization: Organization, sign: str
    ) -> None:
        """The signing lock asks whether the patient has a primary coverage that day: without one, the check
        reads nothing of its own."""
        patient = PatientFactory(organization=organization)
        started = visit_services.start_note(actor=tess, patient=patient, visited_on=DAY)
        drafted = visit_services.save_note(
            actor=tess, note=started, techniques=rows(("swedish", "neck", 3)), nprs_before=4
        )
        got: list[str] = []
        with CaptureQueriesContext(connection) as queries:
            if sign == "sign_note":
                visit_services.sign_note(actor=tess, note=drafted, warnings=got)
            else:
                visit_services.save_and_sign(
                    actor=tess, note=drafted, techniques=rows(("swedish", "neck", 3)), nprs_before=4, warnings=got
                )
        assert VisitNote.objects.get(pk=drafted.pk).is_signed and got == []
        asked = [q["sql"] for q in queries.captured_queries if 'FROM "billing_coverage"' in q["sql"]]
        assert len(asked) == 1 and asked[0].startswith('SELECT "visits_visitnote"."id"')  # the note's lock

    def test_a_save_moving_the_note_to_a_covered_day_is_checked_on_that_day(
        self, tess: User, coverage: Coverage
    ) -> None:
        """What the lock asked of the note's day as stored does not answer for the day the save moves it to."""
        Payer.objects.update(requires_authorization=True)
        before = coverage.starts_on - timedelta(days=7)  # no coverage yet
        drafted = draft(tess, coverage, day=before)
        got: list[str] = []
        visit_services.save_and_sign(
            actor=tess,
            note=drafted,
            techniques=rows(("deep-tissue", "lower-back", 25)),
            nprs_before=4,
            visited_on=DAY,
            warnings=got,
        )
        assert VisitNote.objects.get(pk=drafted.pk).is_signed
        assert got == [f"{coverage.payer} requires a prior authorization; none covers 2026-11-06."]

    def test_the_pages_and_the_api_show_them(self, client: Client, tess: User, coverage: Coverage) -> None:
        Payer.objects.update(requires_authorization=True)
        warning = f"{coverage.payer} requires a prior authorization; none covers 2026-11-06."
        login(client, tess)
        drafted = draft(tess, coverage)
        for name in ("visits:detail", "visits:edit"):
            page = client.get(reverse(name, args=[drafted.public_id])).content.decode()
            assert "this visit's claim would draw" in page and warning in page
        r = client.post(reverse("visits:sign", args=[drafted.public_id]), follow=True)
        assert f"For the claim: {warning}" in r.content.decode()
        assert VisitNote.objects.get(pk=drafted.pk).is_signed
        assert "this visit's claim would draw" not in r.content.decode()  # signed: the page lists no more
        other = draft(tess, coverage, day=DAY + timedelta(days=1))
        r = client.post(f"/api/v1/notes/{other.public_id}/sign", content_type="application/json")
        assert r.status_code == 200 and r.json()["status"] == "signed"
        assert r.json()["warnings"] == [warning.replace("2026-11-06", "2026-11-07")]
