import io
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from fascia.billing.claims import services
from fascia.billing.models import Claim, Coverage, InjuryCase, Payer, Posting, ProviderAdjustment
from fascia.billing.queries import patient_balances
from fascia.billing.remittance.posting import import_835
from fascia.billing.scrubber import scrub
from fascia.billing.x12.validate import validate_837
from fascia.core.models import Location, Organization, User
from fascia.demo.era import COPAY, write_835
from fascia.demo.history import PATIENTS as HISTORY_PATIENTS
from fascia.demo.loader import DEMO_LOGINS, DEMO_PASSWORD
from fascia.demo.portal import PORTAL_PATIENT, pelvic_tilt_png
from fascia.frontdesk.queries import today_board
from fascia.lib.uploads import checked_image
from fascia.measures.models import MeasureResult
from fascia.patients import icd10
from fascia.patients.models import Condition, Medication, Patient, Surgery
from fascia.patients.tests.factories import PatientFactory
from fascia.plans.models import HomeCareCheck, HomeCareItem
from fascia.practitioners.credentials import missing_privilege, standing
from fascia.practitioners.models import Credential, Practitioner, Specialty
from fascia.practitioners.queries import requirements
from fascia.records.chain import verify
from fascia.records.models import Seal
from fascia.referrals.models import Referral
from fascia.scheduling.models import Appointment
from fascia.techniques.models import Technique
from fascia.visits import queries as visit_queries
from fascia.visits.models import VisitNote, VisitTechnique


@pytest.fixture
def demo(demo_clinic: None, db: None) -> None:
    """Each test runs in a savepoint inside the loaded clinic, so what it changes is undone."""


def this_weeks_patients(*, history: bool = False) -> list[Patient]:
    """The patients the demo loads through the services, in care now; or (`history`) the others, the past two
    years' (fascia.demo.history), whose MRNs come after theirs."""
    ordered = Patient.objects.order_by("mrn")
    current = Patient.objects.count() - HISTORY_PATIENTS
    return list(ordered[current:] if history else ordered[:current])


def test_it_loads_a_whole_clinic(demo: None) -> None:
    assert Organization.objects.get().is_demo
    assert set(Location.objects.values_list("kind", flat=True)) == {"clinic", "rehabilitation-center"}
    assert Practitioner.objects.count() == 4
    assert 55 <= len(this_weeks_patients()) <= 65


def test_online_booking_is_open_in_the_portal(demo: None) -> None:
    """A new patient of the demo clinic can book a first evaluation online, a returning one a follow-up."""
    from fascia.scheduling import online

    new = PatientFactory(organization=Organization.objects.get())
    [offer] = online.offers_for(new)
    assert offer.appointment_type.code == "initial-evaluation" and len(offer.practitioners) == 4
    returning = Patient.objects.filter(appointments__isnull=False).first()
    assert [o.appointment_type.code for o in online.offers_for(returning)] == ["follow-up-45"]


def test_the_histories_cover_what_screening_needs(demo: None) -> None:
    today = timezone.localdate()
    assert Medication.objects.filter(is_anticoagulant=True).values("patient").distinct().count() >= 3
    assert Surgery.objects.filter(performed_on__gte=today - timedelta(weeks=6)).exists()
    assert Patient.objects.filter(is_pregnant=True).exists()
    assert Condition.objects.filter(icd10_code="Z86.718").exists()  # history of DVT
    conditions = {"M54.50", "M54.2", "M54.31", "S13.4XXD", "M79.7", "M17.11", "R53.82", "Z47.1"}
    assert conditions <= set(Condition.objects.values_list("icd10_code", flat=True))


def test_every_demo_code_is_a_billable_icd10_cm_code(demo: None) -> None:
    for code in Condition.objects.values_list("icd10_code", flat=True):
        assert icd10.is_billable(code), code


def test_running_it_again_changes_nothing(demo: None) -> None:
    counts = (Patient.objects.count(), User.objects.count(), Condition.objects.count())
    call_command("demo", quiet_logins=True)
    assert (Patient.objects.count(), User.objects.count(), Condition.objects.count()) == counts


@pytest.mark.parametrize("username, role", DEMO_LOGINS)
def test_every_demo_login_works(demo: None, username: str, role: str) -> None:
    client = Client()
    r = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302
    assert client.get("/patients/").status_code == 200


class TestThePortalPatient:
    """Maria Santos signs in to the portal with the demo password, and every page she uses shows her care."""

    @pytest.fixture
    def maria(self, demo: None) -> Client:
        client = Client()
        r = client.post("/my/login/", {"username": PORTAL_PATIENT["email"], "password": DEMO_PASSWORD})
        assert r.status_code == 302 and r["Location"] == "/my/"
        return client

    def test_her_account_is_a_demo_account_of_her_own(self, demo: None) -> None:
        user = User.objects.get(email=PORTAL_PATIENT["email"], is_patient_account=True)
        assert user.is_demo_account and user.patient_account.patient.given_name == "Maria"
        assert not user.groups.exists()

    def test_home_and_visits_show_her_coming_visits(self, maria: Client) -> None:
        patient = Patient.objects.get(email=PORTAL_PATIENT["email"])
        ahead = patient.appointments.filter(start_at__gt=timezone.now(), status=Appointment.Status.BOOKED)
        assert ahead.count() == 2
        for url in ("/my/", "/my/appointments/"):
            page = maria.get(url).content.decode()
            first = timezone.localtime(ahead.order_by("start_at")[0].start_at)
            assert f"{first:%B} {first.day}" in page, url
        assert patient.appointments.filter(status=Appointment.Status.FULFILLED).count() >= 4

    def test_her_odi_improves_steadily_past_the_mcid(self, demo: None) -> None:
        """What her progress chart and her therapist's letter show a referring physician: each fortnight's ODI a
        little better than the last, and past the MCID (10 points) by now; not the whole scale in six weeks."""
        scores = list(
            MeasureResult.objects.filter(patient__email=PORTAL_PATIENT["email"], instrument="ODI", source="patient")
            .order_by("administered_on")
            .values_list("value", flat=True)
        )
        baseline = MeasureResult.objects.filter(
            patient__email=PORTAL_PATIENT["email"], instrument="ODI", source="staff"
        ).earliest("administered_on")
        steps = [a - b for a, b in zip([baseline.value, *scores], scores, strict=False)]
        assert len(scores) >= 3 and all(0 < step <= 8 for step in steps), (baseline.value, scores)
        assert baseline.value - scores[-1] >= 10 and scores[-1] > 0

    def test_her_home_care_has_pictures_and_ticks(self, maria: Client) -> None:
        page = maria.get("/my/home-care/").content.decode()
        assert "Pelvic tilts" in page and "Walk" in page and "Heat before bed" in page
        item = HomeCareItem.objects.get(name="Pelvic tilts", plan__status="active", plan__patient__given_name="Maria")
        assert item.image_type == "image/png"
        assert f"/my/home-care/{item.public_id}/image/" in page  # the file itself: test_its_drawing_is_a_png
        assert HomeCareCheck.objects.filter(patient=item.plan.patient).count() >= 3

    def test_its_drawing_is_a_png_the_upload_check_accepts(self) -> None:
        drawing = pelvic_tilt_png()
        assert checked_image(SimpleUploadedFile("tilt.png", drawing)) == "image/png"
        assert Image.open(io.BytesIO(drawing)).size == (320, 180)

    def test_her_scores_change_over_the_weeks(self, maria: Client) -> None:
        patient = Patient.objects.get(email=PORTAL_PATIENT["email"])
        odi = MeasureResult.objects.filter(patient=patient, instrument="ODI").order_by("administered_on")
        assert odi.count() >= 4 and len({m.administered_on for m in odi}) >= 4
        assert odi.last().value < odi.first().value  # ODI: lower is better
        assert maria.get("/my/progress/").status_code == 200

    def test_her_statement_shows_what_she_owes(self, maria: Client) -> None:
        patient = Patient.objects.get(email=PORTAL_PATIENT["email"])
        owed = patient_balances([patient.pk])[patient.pk]
        assert owed >= COPAY and owed % COPAY == 0
        assert f"${owed:,.2f}" in maria.get("/my/statements/").content.decode()

    def test_the_book_page_offers_a_week_of_free_times(self, maria: Client) -> None:
        assert maria.get("/my/book/").content.decode().count("/my/book/confirm/?") >= 5


def test_every_patient_has_a_signed_evaluation_with_suited_measures(demo: None) -> None:
    from fascia.evaluations.models import Evaluation

    evaluations = Evaluation.objects.prefetch_related("measures", "diagnoses").select_related("patient")
    current = this_weeks_patients()
    assert evaluations.filter(patient__in=current).count() == len(current)
    suited = {"M54.50": "ODI", "M54.2": "NDI", "M25.561": "LEFS", "M25.512": "QUICKDASH", "M79.7": "PSFS"}
    for evaluation in evaluations:
        assert evaluation.is_signed and evaluation.kind == Evaluation.Kind.INITIAL
        instruments = {m.instrument for m in evaluation.measures.all()}
        assert "NPRS" in instruments and len(instruments) == 2
        primary = evaluation.diagnoses.all()[0].code
        if primary in suited:
            assert suited[primary] in instruments, (primary, instruments)


def test_every_patient_has_an_active_plan_and_facts_trigger_each_level(demo: None) -> None:
    from fascia.plans.models import PlannedTechnique, TreatmentPlan
    from fascia.techniques.models import Technique
    from fascia.techniques.queries import screen_patient
    from fascia.techniques.screening import worst_level

    current = this_weeks_patients()
    assert TreatmentPlan.objects.filter(status="active", patient__in=current).count() == len(current)
    assert PlannedTechnique.objects.filter(screening_level="caution").exclude(override_reason="").exists()
    swedish, deep = Technique.objects.get(code="swedish"), Technique.objects.get(code="deep-tissue")
    patients = Patient.objects.filter(pk__in=[p.pk for p in current])  # screened as of now, their surgeries recent
    dvt = patients.filter(conditions__icd10_code="I82.441").first()
    knee = patients.filter(surgeries__procedure="Total knee arthroplasty").first()
    anticoagulated = patients.filter(medications__name="Apixaban").first()
    assert worst_level(screen_patient(dvt, swedish, "lower-leg-right")) == "absolute"
    assert worst_level(screen_patient(knee, swedish, "leg-right")) == "local"
    assert worst_level(screen_patient(anticoagulated, deep, "lower-back")) == "caution"


def test_this_week_has_a_schedule_without_overlaps(demo: None) -> None:
    from fascia.scheduling.models import Appointment

    appointments = list(Appointment.objects.order_by("practitioner_id", "start_at"))
    assert len(appointments) > 40
    for earlier, later in zip(appointments, appointments[1:], strict=False):
        if earlier.practitioner_id == later.practitioner_id:
            assert earlier.end_at <= later.start_at


def last_week(today: date) -> list[Appointment]:
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=1)
    return list(
        Appointment.objects.filter(start_at__date__gte=monday, start_at__date__lte=monday + timedelta(days=4))
        .select_related("note")
        .order_by("start_at")
    )


def assert_signed_notes_fit_and_are_sealed() -> None:
    signed = list(
        VisitNote.objects.filter(status=VisitNote.Status.SIGNED)
        .select_related("appointment")
        .prefetch_related("techniques")
    )
    assert signed
    for note in signed:
        minutes = [t.minutes for t in note.techniques.all()]
        assert minutes and None not in minutes, note
        length = (note.appointment.end_at - note.appointment.start_at).total_seconds() // 60
        assert 30 <= sum(minutes) <= length, (note, minutes)
        assert note.nprs_after < note.nprs_before
    sealed = set(Seal.objects.filter(kind="visit-note").values_list("record_id", flat=True))
    assert {note.public_id for note in signed} == sealed
    assert verify(list(Seal.objects.order_by("organization_id", "sequence"))) == []


def test_last_week_has_signed_notes_that_fit_the_appointment(demo: None) -> None:
    appointments = last_week(timezone.localdate())
    assert len(appointments) >= 40
    assert all(a.status == Appointment.Status.FULFILLED for a in appointments)
    notes = [a.note for a in appointments]  # raises when a visit has no note
    assert sum(n.is_signed for n in notes) >= len(notes) - 3
    assert_signed_notes_fit_and_are_sealed()
    # Cautions are treated with a written reason, never silently.
    assert not VisitNote.objects.filter(techniques__screening_level="caution", techniques__override_reason="").exists()
    assert VisitNote.objects.filter(status="signed", techniques__screening_level="caution").exists()


def test_progress_notes_retake_the_measure_and_judge_every_goal(demo: None) -> None:
    progress = list(VisitNote.objects.filter(kind=VisitNote.Kind.PROGRESS, status=VisitNote.Status.SIGNED))
    assert progress
    for note in progress:
        assert note.measures.exists()
        assert {p["goal"] for p in note.goal_progress} == set(note.plan.goals.values_list("pk", flat=True))


def test_a_few_notes_of_the_last_day_wait_on_the_dashboard(demo: None) -> None:
    today = timezone.localdate()
    drafts = [d for p in Practitioner.objects.all() for d in visit_queries.dashboard(p, today)["drafts"]]
    assert 1 <= len(drafts) <= 5
    last_visit = Appointment.objects.filter(status=Appointment.Status.FULFILLED).latest("start_at")
    assert timezone.localtime(last_visit.start_at).date() in {d["note"].visited_on for d in drafts}
    assert VisitNote.objects.filter(status=VisitNote.Status.SIGNED).count() > 10 * len(drafts)


def test_the_billing_queue_has_ready_claims_and_the_three_failing_ones(demo: None) -> None:
    patients = Patient.objects.count()
    assert Coverage.objects.filter(rank=1).count() >= patients * 0.8
    assert {"work", "auto"} <= set(InjuryCase.objects.values_list("kind", flat=True))
    # Every kind of payer but Medicare, which seldom enrolls massage therapists (REFERENCE.md §2).
    assert set(Payer.objects.values_list("kind", flat=True)) == set(Payer.Kind.values) - {"medicare"}
    ready = list(Claim.objects.filter(status=Claim.Status.READY))
    assert len(ready) >= 5
    assert all(scrub(claim, today=timezone.localdate()) == [] for claim in ready)
    # Exactly the three failures the demo makes, one problem each, on insurers' claims, on any date: the demo is
    # built around today, and referrals that expired 20 days after the plan's start once failed a fourth on some.
    failing = list(Claim.objects.filter(status=Claim.Status.DRAFT).select_related("payer"))
    problems = sorted(_failure_kind(problem) for claim in failing for problem in claim.problems)
    assert problems == ["authorization used up", "expired referral", "no member ID"]
    assert len(failing) == 3 and all(claim.payer.kind != Payer.Kind.SELF_PAY for claim in failing)
    # No other referral has expired: the patients were treated last week.
    assert Referral.objects.filter(expires_on__lt=timezone.localdate()).count() == 1


def test_evergreens_members_have_a_copay_the_board_asks_for(demo: None) -> None:
    copays = Coverage.objects.exclude(copay=None)
    assert set(copays.values_list("payer__name", "copay")) == {("Evergreen Health Plan", COPAY)}
    frontdesk, today = User.objects.get(username="frontdesk"), timezone.localdate()
    week = [today_board(frontdesk, today + timedelta(days=n), book_url="/")["arrivals"] for n in range(7)]
    assert any(a.copay == COPAY for arrivals in week for a in arrivals)


def _failure_kind(problem: str) -> str:
    """Which of the demo's deliberate failures the scrubber's `problem` is, or the problem itself."""
    patterns = {
        "authorization used up": r"Authorization AUTH\d+ allows 1 visits; \d+ are billed under it\.",
        "no member ID": r"The coverage has no member ID\.",
        "expired referral": r"The referral expired on \d{4}-\d{2}-\d{2}, before the last visit\.",
    }
    return next((kind for kind, pattern in patterns.items() if re.fullmatch(pattern, problem)), problem)


def test_posting_the_demo_remittance_drafts_valid_balanced_secondary_claims(demo: None) -> None:
    """Issue 24 point 3, done when: export a batch, post the demo remittance, and the secondary claims are
    drafted, valid and balanced."""
    bill = User.objects.get(username="billing")
    organization = Organization.objects.get()
    ready = Claim.objects.filter(status=Claim.Status.READY, payer__claim_method=Payer.ClaimMethod.ELECTRONIC)
    services.export_claims(actor=bill, claims=list(ready))
    sent = list(
        Claim.objects.filter(status=Claim.Status.SUBMITTED)
        .select_related("organization", "payer", "patient")
        .prefetch_related("lines")
        .order_by("number")
    )
    today = timezone.localdate()
    import_835(actor=bill, organization=organization, text=write_835(sent, paid_on=today, trace="DEMOCOB"))

    secondaries = list(Claim.objects.filter(primary_claim__isnull=False).select_related("primary_claim", "coverage"))
    with_second_payer = [
        c for c in sent if c.patient.coverages.filter(rank=2).exclude(payer=c.payer).exists() and c.coverage.rank == 1
    ]
    assert secondaries and len(secondaries) == len(with_second_payer)
    for claim in secondaries:
        assert claim.coverage.rank == 2 and claim.total_charge == claim.primary_claim.total_charge
        assert services.mark_ready(actor=bill, claim=claim, today=today).status == Claim.Status.READY
    # export_claims balances each secondary against its primary's decision and runs pyx12 on the file.
    batch = services.export_claims(actor=bill, claims=secondaries)
    assert batch.content.count("AMT*D*") == len(secondaries) and "SVD*" in batch.content


def test_every_practitioner_holds_a_current_license(demo: None) -> None:
    today = timezone.localdate()
    for practitioner in Practitioner.objects.prefetch_related("credentials"):
        licenses = [c for c in practitioner.credentials.all() if c.kind == Credential.Kind.LICENSE]
        assert any(c.is_current_on(today) and c.state == "WA" for c in licenses), practitioner


def test_manual_lymphatic_drainage_requires_its_certification(demo: None) -> None:
    assert Technique.objects.get(code="manual-lymphatic-drainage").required_specialty == Specialty.MLD


def test_the_one_practitioner_without_mld_never_meets_it(demo: None) -> None:
    from fascia.plans.models import PlannedTechnique

    today = timezone.localdate()
    practitioners = list(Practitioner.objects.prefetch_related("credentials"))
    without = [p for p in practitioners if missing_privilege(p, Specialty.MLD, "MLD", today)]
    assert len(without) == 1
    [practitioner] = without
    mld = Technique.objects.get(code="manual-lymphatic-drainage")
    assert not PlannedTechnique.objects.filter(
        technique=mld, plan__practitioner=practitioner, plan__status="active"
    ).exists()
    patients_on_mld = PlannedTechnique.objects.filter(technique=mld, plan__status="active").values("plan__patient")
    assert not Appointment.objects.filter(practitioner=practitioner, patient__in=patients_on_mld).exists()
    assert not VisitTechnique.objects.filter(technique=mld, note__practitioner=practitioner).exists()


def standing_of(practitioner: Practitioner, today: date) -> list:
    return standing(practitioner, today, requirements=requirements(practitioner.user.member_organization_id))


def test_a_license_and_a_cpr_card_expire_within_90_days(demo: None) -> None:
    today = timezone.localdate()
    practitioners = Practitioner.objects.select_related("user")
    expiring = [s.credential for p in practitioners for s in standing_of(p, today) if s.state == "expiring"]
    assert {Credential.Kind.LICENSE, Credential.Kind.CPR} <= {c.kind for c in expiring}
    therapist = practitioners.get(user__username="therapist")  # the demo login sees it
    assert any(s.state == "expiring" and s.credential.kind == "license" for s in standing_of(therapist, today))


def test_one_practitioner_has_the_hours_but_is_short_of_ethics(demo: None) -> None:
    today = timezone.localdate()
    short = []
    for practitioner in Practitioner.objects.select_related("user").prefetch_related("credentials", "courses"):
        progress = [s.progress for s in standing_of(practitioner, today) if s.progress is not None]
        assert progress, practitioner  # every license (and board certification) has CE to show
        if any("ethics" in p.missing for p in progress):
            short.append(practitioner)
        for p in progress:
            assert p.counted >= p.required - 4, (practitioner, p)  # the others complete or nearly
    assert len(short) == 1
    [wa] = [s for s in standing_of(short[0], today) if s.credential.kind == Credential.Kind.LICENSE]
    assert set(wa.progress.missing) == {"ethics"}


def test_the_demo_remittance_posts_each_kind_of_answer(demo: None, tmp_path: Path) -> None:
    """`fascia export_837`, `fascia demo_835` and `fascia import_835` on the demo clinic: a file pyx12
    accepts, posted whole, leaving one claim of each status and the interest (PLB) on its payment."""
    posted_before = list(Claim.objects.filter(postings__isnull=False).values_list("pk", flat=True))  # Maria's
    call_command("export_837", out=tmp_path / "claims.837")
    sent = Claim.objects.filter(status=Claim.Status.SUBMITTED).count()
    call_command("demo_835", out=tmp_path / "era.835")
    text = (tmp_path / "era.835").read_text()
    assert validate_837(text) == []  # pyx12 picks the 835 map from GS08
    call_command("import_835", str(tmp_path / "era.835"))
    answered = Claim.objects.filter(postings__isnull=False).exclude(pk__in=posted_before).distinct()
    statuses = Counter(answered.values_list("status", flat=True))
    assert statuses == {"paid": sent - 2, "partially-paid": 1, "denied": 1}
    assert Posting.objects.filter(state=Posting.State.REVERSED).count() == 1
    assert Posting.objects.filter(status_code="1", paid=0).count() == 1  # the deductible, processed
    assert not Posting.objects.filter(state=Posting.State.HELD).exists()
    assert list(ProviderAdjustment.objects.values_list("reason", flat=True)) == ["L6"]
    # The history's claims were answered before (fascia.demo.history; a part payment's balance written off).
    posted = Claim.objects.filter(postings__isnull=False).exclude(patient__in=this_weeks_patients(history=True))
    for claim in posted.distinct().prefetch_related("lines"):
        owed = claim.total_charge - claim.paid - claim.adjusted - claim.patient_responsibility
        assert owed == claim.balance and (owed > 0) == (claim.status == "partially-paid")


def test_the_past_two_years_give_the_outcome_pages_episodes_to_count(demo: None) -> None:
    """fascia.demo.history: a couple of hundred measured episodes, closed and open, over the past two years, with
    more than the outcome pages' minimum in every condition group and for every technique; none booked in the
    weeks the demo's own schedule fills."""
    from fascia.analytics.groups import DEFAULT_GROUPS
    from fascia.demo.history import QUIET_WEEKS
    from fascia.demo.outcomes import TECHNIQUE_NAMES
    from fascia.demo.truth import MIN_N, cells, seeded_episodes
    from fascia.plans.models import TreatmentPlan

    past = this_weeks_patients(history=True)
    assert len(past) == HISTORY_PATIENTS
    episodes = [
        e
        for e in seeded_episodes(Organization.objects.get())
        if e.plan_id in {p.pk for p in TreatmentPlan.objects.filter(patient__in=past)}
    ]
    assert 150 <= len(episodes) <= 250
    by_condition = {cell.label: cell.n for cell in cells(episodes, "condition")}
    assert {name: by_condition.get(name, 0) >= MIN_N for name, _ in DEFAULT_GROUPS} == dict.fromkeys(
        (name for name, _ in DEFAULT_GROUPS), True
    ), by_condition
    by_technique = {cell.label: cell.n for cell in cells(episodes, "technique")}
    assert set(by_technique) == set(TECHNIQUE_NAMES.values()) and min(by_technique.values()) >= 3 * MIN_N
    plans = TreatmentPlan.objects.filter(patient__in=past)
    assert plans.filter(status="completed").count() > 100 and plans.filter(status="active").exists()
    today = timezone.localdate()
    quiet = today - timedelta(days=today.weekday(), weeks=QUIET_WEEKS)
    first = Appointment.objects.filter(patient__in=past).order_by("start_at").first()
    last = Appointment.objects.filter(patient__in=past).order_by("start_at").last()
    assert first and last and (today - timezone.localtime(first.start_at).date()).days > 365
    assert timezone.localtime(last.start_at).date() < quiet
