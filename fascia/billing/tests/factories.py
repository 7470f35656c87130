"""A billable patient: an active plan from a signed evaluation, coverage with a payer that has a
fee schedule, and signed visit notes."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from fascia.billing.claims import services
from fascia.billing.models import Claim, Clearinghouse, Coverage, Fee, InjuryCase, Payer
from fascia.billing.remittance.posting import import_835
from fascia.core.models import Location, Organization, User
from fascia.demo.era import DENIED, write_835
from fascia.patients.models import Consent, Patient
from fascia.patients.tests.factories import PatientFactory
from fascia.referrals.models import ReferringProvider
from fascia.referrals.services import record_referral
from fascia.scheduling.models import Appointment, AppointmentType
from fascia.techniques.models import Technique
from fascia.visits import services as visit_services
from fascia.visits.models import VisitNote
from fascia.visits.tests.factories import active_plan

FEES = {"97140": Decimal("32.50"), "97124": Decimal("28.00"), "97112": Decimal("35.00")}


def payer(organization: Organization, kind: str = Payer.Kind.COMMERCIAL, **fields: object) -> Payer:
    defaults = {
        "name": f"{kind.title()} Health Plan",
        "payer_id": "60054",
        "address_line1": "PO Box 14079",
        "city": "Lexington",
        "state": "KY",
        "postal_code": "40512",
    }
    result = Payer.objects.create(organization=organization, kind=kind, **{**defaults, **fields})
    Fee.objects.bulk_create(Fee(organization=organization, payer=result, cpt_code=c, amount=a) for c, a in FEES.items())
    return result


def clearinghouse(organization: Organization, **fields: object) -> Clearinghouse:
    """The practice's default clearinghouse, with the IDs a clearinghouse would assign."""
    defaults = {
        "name": "Availity",
        "is_default": True,
        "submitter_id": "SUB4471",
        "receiver_qualifier": "01",
        "receiver_id": "030240928",
        "contact_name": "Billing Office",
        "contact_phone": "206-555-0199",
    }
    return Clearinghouse.objects.create(organization=organization, **{**defaults, **fields})


def signatures(actor: User, patient: Patient, day: date, *, payer: Payer | None = None) -> list[Consent]:
    """The patient's signed assignment of benefits and release of information, for `payer` or all payers."""
    return [
        Consent.objects.create(patient=patient, kind=kind, date=day, payer=payer, recorded_by=actor)
        for kind in (Consent.Kind.ASSIGNMENT, Consent.Kind.RELEASE)
    ]


def note(
    actor: User, patient: Patient, day: date, rows: list[tuple[str, str, int]], *, location: Location | None = None
) -> VisitNote:
    """A signed note with techniques as (code, region, minutes); with `location`, for a fulfilled appointment
    there at 9:00 that day."""
    appointment = None
    if location is not None:
        start = datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())
        appointment = Appointment.objects.create(
            patient=patient,
            practitioner=actor.practitioner,
            location=location,
            appointment_type=AppointmentType.objects.get(code="follow-up-30"),
            start_at=start,
            end_at=start + timedelta(minutes=30),
            status=Appointment.Status.FULFILLED,
            checked_in_at=start,
            checked_out_at=start + timedelta(minutes=30),
            created_by=actor,
        )
    draft = visit_services.start_note(actor=actor, patient=patient, appointment=appointment, visited_on=day)
    techniques = [
        {"technique_id": Technique.objects.get(code=code).pk, "region": region, "minutes": minutes}
        for code, region, minutes in rows
    ]
    visit_services.save_note(actor=actor, note=draft, techniques=techniques, nprs_before=5)
    return visit_services.sign_note(actor=actor, note=draft)


def billable_patient(
    actor: User,
    organization: Organization,
    *,
    start: date,
    kind: str = Payer.Kind.COMMERCIAL,
    visits: int = 2,
    payer_fields: dict | None = None,
    diagnoses: list[str] | None = None,
    techniques: list[tuple[str, str, list[str]]] | None = None,
) -> Coverage:
    """A patient with a plan (referral from Dr. Rowe), a coverage with `kind` of payer, and `visits`
    signed notes from `start` on, each deep tissue 25 min on the low back + Swedish 10 min on the neck (the plan's
    techniques, for M54.50, unless `diagnoses` and `techniques` say otherwise: see `active_plan`); the patient's
    billing signatures on file, and the practice's default clearinghouse."""
    if not Clearinghouse.objects.filter(organization=organization, is_default=True).exists():
        clearinghouse(organization)
    patient = PatientFactory(organization=organization)
    signatures(actor, patient, start - timedelta(days=3))
    plan = active_plan(
        actor,
        patient,
        start=start,
        diagnoses=diagnoses,
        techniques=techniques or [("deep-tissue", "lower-back", ["M54.50"]), ("swedish", "neck", ["M54.50"])],
    )
    provider, _ = ReferringProvider.objects.get_or_create(
        organization=organization, npi="1234567893", defaults={"kind": "physician", "name": "Dr. Ada Rowe"}
    )
    plan.referral = record_referral(
        actor=actor,
        patient=patient,
        provider=provider,
        referral_date=start - timedelta(days=3),
        order="Medical massage 2x/week for 6 weeks",
        visits_authorized=12,
        expires_on=start + timedelta(days=90),
    )
    plan.save(update_fields=["referral"])
    case = None
    if kind in (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO):
        case = InjuryCase.objects.create(
            patient=patient,
            kind="work" if kind == Payer.Kind.WORKERS_COMP else "auto",
            injury_date=start - timedelta(days=10),
            accident_state="NY",
            claim_number="WC-2026-0042",
            employer_or_insurer="Harbor Freight Lines",
            plan=plan,
        )
    coverage = Coverage.objects.create(
        patient=patient,
        payer=payer(organization, kind, **(payer_fields or {})),
        member_id="XYZ123456789",
        group_number="G-100",
        starts_on=start - timedelta(days=30),
        injury_case=case,
    )
    for n in range(visits):
        note(
            actor, patient, start + timedelta(days=2 * n), [("deep-tissue", "lower-back", 25), ("swedish", "neck", 10)]
        )
    return coverage


def second_coverage(primary: Coverage, kind: str = Payer.Kind.MEDICAID, **payer_fields: object) -> Coverage:
    """A secondary coverage (rank 2) of the primary's patient, over the same dates, with a payer of `kind`."""
    fields = {"name": f"Second {kind.title()}", "payer_id": "SEC01", **payer_fields}
    return Coverage.objects.create(
        patient=primary.patient,
        payer=payer(primary.payer.organization, kind, **fields),
        rank=2,
        member_id="SEC-55",
        starts_on=primary.starts_on,
    )


def sent_claim(actor: User, coverage: Coverage, *, today: date) -> Claim:
    """A claim of the coverage's unbilled visits, scrubbed, ready and submitted (as an export leaves it)."""
    claim = services.create_claim(
        actor=actor, coverage=coverage, notes=services.unbilled_notes(coverage.patient, coverage)
    )
    claim = services.mark_ready(actor=actor, claim=claim, today=today)
    services.move(claim, Claim.Status.SUBMITTED, actor=actor)
    Claim.objects.filter(pk=claim.pk).update(submitted_at=timezone.now())
    return Claim.objects.get(pk=claim.pk)


def post_835(actor: User, claims: list[Claim], *, paid_on: date, trace: str = "T1", deny: tuple[str, ...] = ()) -> None:
    """The demo payer's 835 for the claims (80% allowed, a 10.00 copay as PR-3, the rest CO-45; `deny` CO-50),
    posted."""
    rows = list(
        Claim.objects.filter(pk__in=[c.pk for c in claims])
        .select_related("organization", "payer", "patient")
        .prefetch_related("lines")
        .order_by("number")
    )
    text = write_835(rows, paid_on=paid_on, trace=trace, cases=dict.fromkeys(deny, DENIED))
    import_835(actor=actor, organization=rows[0].organization, text=text)
