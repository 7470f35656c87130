"""The demo's patient in the portal, and the synthetic portal accounts of the demo and `fascia seed`.

Maria Santos (fascia.demo.loader makes her, evaluated six weeks ago, with a home care program) gets here what
every portal page shows: weekly visits with signed notes, her questionnaire scores over those weeks, a claim
paid by her health plan less her copay (a balance on her statement), two visits booked ahead, her account and
a few days of home care ticked off. Everything goes through the services the pages call.
"""

import io
import random
import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from fascia.billing.claims import services as claim_services
from fascia.billing.models import Authorization, Claim, Coverage, Payer
from fascia.billing.remittance.posting import import_835
from fascia.core.models import User
from fascia.demo.era import COPAY, write_835
from fascia.demo.schedule import write_note
from fascia.measures import instrument
from fascia.measures.services import record_measure
from fascia.patients.accounts import open_account
from fascia.patients.models import Patient, PortalInvitation
from fascia.plans.models import HomeCareItem, TreatmentPlan
from fascia.plans.services import PlanError, set_home_care_done
from fascia.scheduling import services as scheduling
from fascia.scheduling.models import Appointment, AppointmentType
from fascia.scheduling.queries import next_free_slots

PORTAL_PATIENT = {"given_name": "Maria", "family_name": "Santos", "email": "maria.santos@example.com"}
PORTAL_WEEKS = 6  # evaluated this many weeks ago, seen weekly since


def synthetic_patient_account(patient: Patient, email: str, actor: User, password: str) -> User:
    """A synthetic patient's portal account (the demo, `fascia seed`), opened through the portal's own service
    with the demo password and marked as a demo account like the staff's. The invitation it opens is made
    here, not emailed: its link is never used."""
    invitation = PortalInvitation.objects.create(
        patient=patient,
        email=email,
        token_hash=PortalInvitation.hash(secrets.token_urlsafe(32)),
        expires_at=timezone.now() + timedelta(days=1),
        created_by=actor,
    )
    user = open_account(invitation=invitation, email=email, password=password)
    User.objects.filter(pk=user.pk).update(is_demo_account=True)
    user.is_demo_account = True
    return user


def pelvic_tilt_png() -> bytes:
    """A small drawing for the home care item: a figure lying on its back, knees bent, the low back pressed
    down (an arrow). Drawn here, so the repository holds no image file for it."""
    image = Image.new("RGB", (320, 180), "white")
    draw = ImageDraw.Draw(image)
    ink, floor = (40, 70, 110), (190, 190, 190)
    draw.line([(10, 150), (310, 150)], fill=floor, width=4)
    draw.ellipse([(30, 112), (62, 144)], outline=ink, width=4)  # head
    draw.line([(62, 136), (170, 140)], fill=ink, width=6)  # back
    draw.line([(170, 140), (215, 90), (255, 146)], fill=ink, width=6)  # thigh and shin, the knee up
    draw.line([(90, 132), (130, 110), (150, 136)], fill=ink, width=5)  # arm resting
    draw.line([(120, 60), (120, 118)], fill=(200, 80, 60), width=4)  # press the low back down
    draw.polygon([(110, 104), (130, 104), (120, 122)], fill=(200, 80, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def home_care_items() -> list[dict]:
    """Maria's home care program (a low back complaint), the first item with its drawing."""
    return [
        {
            "name": "Pelvic tilts",
            "instructions": "Lie on your back, knees bent. Press your low back into the floor, hold 5 seconds, "
            "relax. 10 times.",
            "times_per_day": 2,
            "days_per_week": 7,
            "image": ContentFile(pelvic_tilt_png(), name="pelvic-tilts.png"),
        },
        {
            "name": "Walk",
            "instructions": "Walk at an easy pace for 10 minutes. Stop if the pain goes down your leg.",
            "times_per_day": 2,
            "days_per_week": 5,
        },
        {
            "name": "Heat before bed",
            "instructions": "A warm (not hot) pack on the low back for 15 minutes, over a thin towel.",
            "times_per_day": 1,
            "days_per_week": 7,
        },
    ]


def load_portal_patient(patient: Patient, *, biller: User, password: str, rng: random.Random) -> User:
    """Maria's weeks of care, her statement, her coming visits and her portal account (see the module)."""
    today = timezone.localdate()
    _cover(patient)
    for week in range(1, PORTAL_WEEKS):
        appointment = _book_past(patient, today - timedelta(weeks=PORTAL_WEEKS - week))
        if appointment is not None:
            write_note(appointment, rng)
    _bill(patient, biller, today)
    _book_ahead(patient, today)
    user = synthetic_patient_account(patient, PORTAL_PATIENT["email"], biller, password)
    # The services stamp a plan's activation with the moment they run, but her care began six weeks ago (as
    # `fascia seed` dates its plans): her home care program counts from then, so the past days can be ticked.
    started = datetime.combine(today - timedelta(weeks=PORTAL_WEEKS), time(12), tzinfo=timezone.get_current_timezone())
    TreatmentPlan.objects.filter(patient=patient, status=TreatmentPlan.Status.ACTIVE).update(activated_at=started)
    _answer_questionnaires(patient, user, today)
    _tick_home_care(patient, user, today)
    return user


def _cover(patient: Patient) -> None:
    """Her health plan, whose 835s take a copay from each visit (what she owes), with the visits it authorized."""
    payer = Payer.objects.get(organization_id=patient.organization_id, name="Evergreen Health Plan")
    coverage = Coverage(
        patient=patient,
        payer=payer,
        member_id="EVE402118835",
        group_number="G4120",
        starts_on=timezone.localdate() - timedelta(days=365),
        copay=COPAY,
    )
    coverage.full_clean()
    coverage.save()
    if payer.requires_authorization:
        Authorization.objects.create(
            coverage=coverage,
            number="AUTH40211",
            visits_allowed=12,
            starts_on=coverage.starts_on,
            ends_on=coverage.starts_on + timedelta(days=730),
        )


def _book_past(patient: Patient, around: date) -> Appointment | None:
    """A 45-minute follow-up on the first working day from `around` with a free hour, checked in and out."""
    practitioner = patient.preferred_practitioner
    assert practitioner is not None
    kind = AppointmentType.objects.get(code="follow-up-45")
    hours = {h.weekday: h for h in practitioner.working_hours.select_related("location")}
    zone = timezone.get_current_timezone()
    for day in (around + timedelta(days=n) for n in range(5)):
        if day.weekday() not in hours:
            continue
        for hour in range(8, 17):
            start = datetime.combine(day, time(hour), tzinfo=zone)
            try:
                appointment = scheduling.book_appointment(
                    actor=practitioner.user,
                    patient=patient,
                    practitioner=practitioner,
                    location=hours[day.weekday()].location,
                    appointment_type=kind,
                    start_at=start,
                )
            except (scheduling.Clash, scheduling.NeedsOverride):
                continue
            scheduling.move_appointment(actor=practitioner.user, appointment=appointment, move="check_in", at=start)
            scheduling.move_appointment(
                actor=practitioner.user, appointment=appointment, move="check_out", at=appointment.end_at
            )
            return appointment
    return None


def _bill(patient: Patient, biller: User, today: date) -> None:
    """Her signed visits claimed, sent and paid by the payer's 835, less the copay of each: her balance."""
    ready = []
    for claim in claim_services.build_claims(actor=biller, patients=[patient], through=today):
        try:
            ready.append(claim_services.mark_ready(actor=biller, claim=claim, today=today))
        except claim_services.ScrubFailed:
            continue
    if not ready:
        return
    claim_services.export_claims(actor=biller, claims=ready)
    sent = list(
        Claim.objects.filter(pk__in=[c.pk for c in ready])
        .select_related("organization", "payer", "patient")
        .prefetch_related("lines")
        .order_by("number")
    )
    text = write_835(sent, paid_on=today, trace=f"DEMOPORTAL{today:%Y%m%d}")
    import_835(actor=biller, organization=sent[0].organization, text=text, filename="demo-portal.835")


def _book_ahead(patient: Patient, today: date) -> None:
    """Her next two visits, a week apart, on her practitioner's first free times from tomorrow."""
    practitioner = patient.preferred_practitioner
    assert practitioner is not None
    kind = AppointmentType.objects.get(code="follow-up-45")
    after = datetime.combine(today + timedelta(days=1), time(0), tzinfo=timezone.get_current_timezone())
    for _ in range(2):
        free = next_free_slots(practitioner.user, minutes=kind.minutes, after=after, practitioner=practitioner, limit=1)
        if not free:
            return
        start, _practitioner, location = free[0]
        scheduling.book_appointment(
            actor=practitioner.user,
            patient=patient,
            practitioner=practitioner,
            location=location,
            appointment_type=kind,
            start_at=start,
        )
        after = start + timedelta(days=7)


def _answer_questionnaires(patient: Patient, user: User, today: date) -> None:
    """The plan's instrument answered by her in the portal every two weeks since the evaluation, a little
    better each time: the progress page's line over time. Each time, the three items she found worst are one step
    better (on the ODI, 6 points of 100 a fortnight: past its MCID of 10 within a month, as care often goes, not
    the whole scale in six weeks)."""
    evaluation = patient.evaluations.order_by("evaluated_on").first()
    assert evaluation is not None
    for first in evaluation.measures.exclude(instrument="NPRS"):
        scale = instrument(first.instrument)
        step = 1 if scale.higher_is_better else -1
        responses = list(first.responses)
        for weeks in range(2, PORTAL_WEEKS + 1, 2):
            answered = [i for i, r in enumerate(responses) if r is not None]
            worst = sorted(answered, key=lambda i: responses[i] * step)[:3]  # lowest if higher is better
            responses = [
                min(scale.high, max(scale.low, r + step)) if i in worst else r for i, r in enumerate(responses)
            ]
            record_measure(
                actor=user,
                patient=patient,
                instrument=first.instrument,
                responses=responses,
                activities=first.activities,
                administered_on=min(today, evaluation.evaluated_on + timedelta(weeks=weeks)),
            )


def _tick_home_care(patient: Patient, user: User, today: date) -> None:
    """Some of the last days' home care ticked off by her: the pelvic tilts most days, a walk now and then."""
    items = HomeCareItem.objects.filter(plan__patient=patient, plan__status=TreatmentPlan.Status.ACTIVE)
    days = {"Pelvic tilts": (0, 1, 2, 4, 5), "Walk": (1, 3), "Heat before bed": (1, 2)}
    for item in items:
        for back in days.get(item.name, ()):
            try:
                set_home_care_done(actor=user, patient=patient, item=item, day=today - timedelta(days=back), done=True)
            except (ValidationError, PlanError):
                continue  # before the program started
