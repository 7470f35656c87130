"""A technique that needs a certification, and an expired license, kept away from patients:
in the plan of care, at booking and in the visit note."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fascia.core.models import Location, Organization, User
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.plans import services as plan_services
from fascia.plans.models import TreatmentPlan
from fascia.plans.tests import factories as plan_factories
from fascia.practitioners.credentials import license_lapsed, license_problem
from fascia.practitioners.models import Credential, Practitioner
from fascia.practitioners.tests.factories import credential, wa_license
from fascia.scheduling.models import Appointment
from fascia.scheduling.services import NotCredentialedToBook, SchedulingError
from fascia.techniques.models import Technique
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote
from fascia.visits.tests.factories import appointment

REGION = "lower-leg-left"


@pytest.fixture
def mld() -> Technique:
    technique = Technique.objects.get(code="manual-lymphatic-drainage")
    technique.required_specialty = "mld"
    technique.save(update_fields=["required_specialty"])
    return technique


@pytest.fixture
def patient(organization: Organization) -> Patient:
    return PatientFactory(organization=organization)


@pytest.fixture
def draft_plan(tess: User, patient: Patient) -> TreatmentPlan:
    return plan_factories.draft_plan(tess, patient)


def next_week() -> date:
    return timezone.localdate() + timedelta(days=7)


def mld_row(mld: Technique) -> list[dict]:
    return [{"technique_id": mld.pk, "region": REGION, "minutes": 25}]


class TestPlans:
    def test_a_practitioner_without_the_certification_cannot_plan_it(
        self, tess: User, draft_plan: TreatmentPlan, mld: Technique
    ) -> None:
        with pytest.raises(plan_services.TechniqueRefused, match="requires a current Manual lymphatic drainage"):
            plan_services.add_technique(diagnoses=["M54.50"], actor=tess, plan=draft_plan, technique=mld, region=REGION)
        assert not draft_plan.techniques.exists()

    def test_an_expired_or_inactive_certification_does_not_count(
        self, tess: User, draft_plan: TreatmentPlan, mld: Technique
    ) -> None:
        credential(tess.practitioner, Credential.Kind.SPECIALTY, expires_on=timezone.localdate() - timedelta(days=1))
        credential(tess.practitioner, Credential.Kind.SPECIALTY, status=Credential.Status.SUSPENDED)
        credential(tess.practitioner, Credential.Kind.SPECIALTY, specialty="oncology")
        with pytest.raises(plan_services.TechniqueRefused):
            plan_services.add_technique(diagnoses=["M54.50"], actor=tess, plan=draft_plan, technique=mld, region=REGION)

    def test_with_a_current_certification_it_is_planned(
        self, tess: User, draft_plan: TreatmentPlan, mld: Technique
    ) -> None:
        credential(tess.practitioner, Credential.Kind.SPECIALTY)
        planned = plan_services.add_technique(
            diagnoses=["M54.50"], actor=tess, plan=draft_plan, technique=mld, region=REGION
        )
        assert planned.technique == mld

    def test_techniques_without_a_requirement_need_no_certification(
        self, tess: User, draft_plan: TreatmentPlan
    ) -> None:
        swedish = Technique.objects.get(code="swedish")
        assert plan_services.add_technique(
            diagnoses=["M54.50"], actor=tess, plan=draft_plan, technique=swedish, region="neck"
        )


class TestBooking:
    @pytest.fixture
    def mld_plan(self, tess: User, draft_plan: TreatmentPlan, mld: Technique) -> Credential:
        """An active plan with MLD in it, planned while tess held the certification (returned)."""
        held = credential(tess.practitioner, Credential.Kind.SPECIALTY)
        plan_services.add_goal(
            diagnoses=["M54.50"],
            actor=tess,
            plan=draft_plan,
            term="long",
            measure="instrument",
            instrument="ODI",
            description="Less swelling",
            target=20,
            target_date=timezone.localdate() + timedelta(weeks=6),
        )
        plan_services.add_technique(diagnoses=["M54.50"], actor=tess, plan=draft_plan, technique=mld, region=REGION)
        plan_services.activate_plan(actor=tess, plan=draft_plan)
        return held

    def test_a_patient_whose_plan_includes_it_is_not_booked_without_the_certification(
        self, tess: User, patient: Patient, location: Location, mld_plan: Credential
    ) -> None:
        Credential.objects.filter(pk=mld_plan.pk).update(status=Credential.Status.INACTIVE)
        with pytest.raises(NotCredentialedToBook, match="The patient's plan of care includes it"):
            appointment(tess, patient, location, next_week())
        assert issubclass(NotCredentialedToBook, SchedulingError)
        assert not Appointment.objects.exists()

    def test_with_the_certification_the_booking_goes_through(
        self, tess: User, patient: Patient, location: Location, mld_plan: Credential
    ) -> None:
        assert appointment(tess, patient, location, next_week()).patient == patient

    def test_an_expired_license_blocks_booking(self, tess: User, patient: Patient, location: Location) -> None:
        wa_license(tess.practitioner, expires_in=-1)
        with pytest.raises(NotCredentialedToBook, match="expired on"):
            appointment(tess, patient, location, next_week())
        assert not Appointment.objects.exists()

    def test_a_clinic_can_make_the_expired_license_a_warning(
        self, settings, tess: User, patient: Patient, location: Location
    ) -> None:
        settings.EXPIRED_LICENSE_BLOCKS = False
        wa_license(tess.practitioner, expires_in=-1)
        assert appointment(tess, patient, location, next_week()).status == Appointment.Status.BOOKED

    def test_a_renewed_license_lifts_the_block(self, tess: User, patient: Patient, location: Location) -> None:
        wa_license(tess.practitioner, expires_in=-1)
        wa_license(tess.practitioner, expires_in=700, issued_on=timezone.localdate() - timedelta(days=1))
        assert appointment(tess, patient, location, next_week())


class TestNotes:
    @pytest.fixture
    def note(self, tess: User, patient: Patient) -> VisitNote:
        return visit_services.start_note(actor=tess, patient=patient)

    def test_a_note_without_the_certification_cannot_document_it(
        self, tess: User, note: VisitNote, mld: Technique
    ) -> None:
        with pytest.raises(ValidationError, match="requires a current Manual lymphatic drainage"):
            visit_services.save_note(actor=tess, note=note, techniques=mld_row(mld), nprs_before=5)
        assert not note.techniques.exists()

    def test_with_the_certification_it_is_saved_and_signed(self, tess: User, note: VisitNote, mld: Technique) -> None:
        credential(tess.practitioner, Credential.Kind.SPECIALTY)
        visit_services.save_note(actor=tess, note=note, techniques=mld_row(mld), nprs_before=5)
        assert visit_services.sign_note(actor=tess, note=note).is_signed

    def test_a_certification_lapsing_before_signing_stops_the_signature(
        self, tess: User, note: VisitNote, mld: Technique
    ) -> None:
        held = credential(tess.practitioner, Credential.Kind.SPECIALTY)
        visit_services.save_note(actor=tess, note=note, techniques=mld_row(mld), nprs_before=5)
        Credential.objects.filter(pk=held.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
        with pytest.raises(visit_services.NoteError, match="requires a current Manual lymphatic drainage"):
            visit_services.sign_note(actor=tess, note=note)
        note.refresh_from_db()
        assert note.status == VisitNote.Status.DRAFT

    def test_an_expired_license_blocks_signing(self, tess: User, note: VisitNote) -> None:
        swedish = Technique.objects.get(code="swedish")
        rows = [{"technique_id": swedish.pk, "region": "neck", "minutes": 25}]
        visit_services.save_note(actor=tess, note=note, techniques=rows, nprs_before=5)
        wa_license(tess.practitioner, expires_in=-1)
        with pytest.raises(visit_services.NoteError, match="Notes cannot be signed until it is renewed"):
            visit_services.sign_note(actor=tess, note=note)
        note.refresh_from_db()
        assert note.status == VisitNote.Status.DRAFT

    def test_a_note_saved_and_signed_for_a_day_without_a_license_is_not_signed(
        self, tess: User, note: VisitNote
    ) -> None:
        """The license is asked for the day the note is saved with, not the day it was stored with."""
        wa_license(tess.practitioner, issued_on=timezone.localdate() - timedelta(days=30))
        swedish = Technique.objects.get(code="swedish")
        rows = [{"technique_id": swedish.pk, "region": "neck", "minutes": 25}]
        before = timezone.localdate() - timedelta(days=40)
        with pytest.raises(visit_services.NoteError, match="is not active. Notes cannot be signed"):
            visit_services.save_and_sign(actor=tess, note=note, techniques=rows, nprs_before=5, visited_on=before)
        note.refresh_from_db()
        assert note.status == VisitNote.Status.DRAFT and note.visited_on == before


# The licenses on record, each as (status, issued, expires) in days from the day asked about (None: never).
LICENSES = {
    "none": [],
    "current": [("active", -730, 200)],
    "expired": [("active", -730, -1)],
    "expiring that day": [("active", -730, 0)],
    "never expiring": [("active", -730, None)],
    "suspended": [("suspended", -730, 200)],
    "not issued yet": [("active", 1, 700)],
    "renewed": [("active", -730, -1), ("active", -1, 700)],
}


@pytest.mark.parametrize("licenses", LICENSES.values(), ids=LICENSES.keys())
def test_a_query_asks_of_a_license_what_the_refusal_says(
    tess: User, licenses: list[tuple[str, int, int | None]]
) -> None:
    """license_lapsed(), which the booking's and the signature's queries ask, finds what license_problem()
    words: a lapse exactly when there are licenses and none is current that day."""
    day = timezone.localdate()
    practitioner = tess.practitioner
    for status, issued, expires in licenses:
        wa_license(
            practitioner,
            status=status,
            issued_on=day + timedelta(days=issued),
            expires_on=day + timedelta(days=expires) if expires is not None else None,
        )
    asked = Practitioner.objects.filter(pk=practitioner.pk).values_list(license_lapsed(practitioner, day), flat=True)
    assert asked.get() is (license_problem(practitioner, day) is not None)
