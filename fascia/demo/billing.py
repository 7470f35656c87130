"""Demo payers, fee schedules, coverages (with a work and an auto injury case) and claims built from
last week's signed notes: most pass the scrubber and are ready to send, a few fail it for
different reasons, as a billing queue looks on a Monday."""

import contextlib
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from fascia.billing.claims import services
from fascia.billing.models import Authorization, Claim, Clearinghouse, Coverage, Fee, InjuryCase, Payer
from fascia.core.models import Organization, User
from fascia.demo.era import COPAY
from fascia.evaluations.models import Evaluation
from fascia.patients.models import Patient

STANDARD_FEES = {"97140": "38.00", "97124": "32.00", "97112": "40.00", "97110": "36.00", "97530": "42.00"}
ADDRESS = {"city": "Seattle", "state": "WA", "postal_code": "98111"}
PayerRow = tuple[str, str, str, str, str, dict[str, bool], dict[str, str]]
# fmt: off
PAYERS: list[PayerRow] = [  # name, kind, payer ID, claim method, units method, what it requires, fees that differ
    ("Evergreen Health Plan", "commercial", "EVG01", "837p", "per_code", {"requires_referral": True},
     {"97140": "34.50"}),
    ("Puget Mutual", "commercial", "PGM22", "837p", "cms", {"requires_authorization": True}, {}),
    ("Washington Apple Health (Medicaid)", "medicaid", "WAMCD", "837p", "cms", {"requires_gp_modifier": True}, {}),
    ("Cascade Workers' Compensation", "workers-comp", "CWC10", "837p", "per_code", {}, {"97140": "45.00"}),
    ("Rainier Auto Insurance (PIP)", "auto", "", "cms1500", "per_code", {}, {}),
    ("Self-pay", "self-pay", "", "superbill", "per_code", {}, {}),
]
# fmt: on


def load_payers(organization: Organization, table: list[PayerRow] = PAYERS) -> dict[str, Payer]:
    Fee.objects.bulk_create(
        Fee(organization=organization, cpt_code=code, amount=Decimal(amount)) for code, amount in STANDARD_FEES.items()
    )
    # A synthetic clearinghouse enrollment (made-up IDs, in test mode): the 837P's envelope and 1000A/1000B.
    Clearinghouse.objects.create(
        organization=organization,
        name="Demo Clearinghouse",
        is_default=True,
        submitter_id=f"DEMO{organization.pk:06d}",
        receiver_id="DEMOCH01",
        contact_name="Billing Office",
        usage=Clearinghouse.Usage.TEST,
    )
    payers: dict[str, Payer] = {}
    for name, kind, payer_id, method, units, requires, fees in table:
        payer = Payer(
            organization=organization,
            name=name,
            kind=kind,
            payer_id=payer_id,
            claim_method=method,
            units_method=units,
            timely_filing_days=365 if kind in ("workers-comp", "auto", "medicaid") else 90,
            address_line1=f"PO Box {4000 + len(payers) * 17}",
            **ADDRESS,
            **requires,
        )
        payer.full_clean()
        payer.save()
        Fee.objects.bulk_create(
            Fee(organization=organization, payer=payer, cpt_code=code, amount=Decimal(amount))
            for code, amount in fees.items()
        )
        payers[name] = payer
    return payers


def _coverage(patient: Patient, payer: Payer, rng: random.Random, starts_on: date, **extra: object) -> Coverage:
    coverage = Coverage(
        patient=patient,
        payer=payer,
        member_id=f"{payer.name[:3].upper()}{rng.randint(10**8, 10**9 - 1)}",
        group_number=f"G{rng.randint(1000, 9999)}" if payer.kind == "commercial" else "",
        starts_on=starts_on,
        **extra,
    )
    coverage.full_clean()
    coverage.save()
    return coverage


def _injury_case(patient: Patient, kind: str, evaluation: Evaluation, rng: random.Random) -> InjuryCase:
    return InjuryCase.objects.create(
        patient=patient,
        kind=kind,
        injury_date=evaluation.evaluated_on - timedelta(days=rng.randint(7, 30)),
        accident_state="WA",
        claim_number=f"{'WC' if kind == 'work' else 'PIP'}-{rng.randint(100000, 999999)}",
        employer_or_insurer="Harbor Freight Lines" if kind == "work" else "Rainier Auto Insurance",
        adjuster_name="Sam Ortega",
        adjuster_phone="206-555-0190",
        plan=patient.plans.filter(status="active").first(),
    )


def load_coverages(patients: list[Patient], payers: dict[str, Payer], rng: random.Random, today: date) -> None:
    """Injury-related complaints go to workers' comp or auto; most others to a health plan; a few
    pay for themselves. Authorizations cover the visits of the payer that asks for them."""
    health = [payers["Evergreen Health Plan"], payers["Puget Mutual"], payers["Washington Apple Health (Medicaid)"]]
    since = today - timedelta(days=365)
    for number, patient in enumerate(patients):
        evaluation = patient.evaluations.order_by("evaluated_on").first()
        if evaluation is not None and evaluation.onset == Evaluation.Onset.WORK:
            case = _injury_case(patient, "work", evaluation, rng)
            _coverage(patient, payers["Cascade Workers' Compensation"], rng, since, injury_case=case)
        elif evaluation is not None and evaluation.onset == Evaluation.Onset.MOTOR_VEHICLE:
            case = _injury_case(patient, "auto", evaluation, rng)
            _coverage(patient, payers["Rainier Auto Insurance (PIP)"], rng, since, injury_case=case)
        elif number % 9 == 8:
            _coverage(patient, payers["Self-pay"], rng, since)
        else:
            payer = health[number % len(health)]
            # Evergreen's cards carry a copay, the one its 835s take from each visit (PR-3).
            copay = COPAY if payer.name == "Evergreen Health Plan" else None
            coverage = _coverage(patient, payer, rng, since, copay=copay)
            if coverage.payer.requires_authorization:
                Authorization.objects.create(
                    coverage=coverage,
                    number=f"AUTH{rng.randint(10000, 99999)}",
                    visits_allowed=12,
                    starts_on=coverage.starts_on,
                    ends_on=coverage.starts_on + timedelta(days=730),
                )
            _secondary(patient, coverage, payers, rng, since, number)


def _secondary(
    patient: Patient, primary: Coverage, payers: dict[str, Payer], rng: random.Random, since: date, number: int
) -> None:
    """Some patients with a commercial plan have a second payer, so that posting the demo's 835 drafts their
    secondary claims (coordination of benefits): a spouse's plan with the other commercial payer, or Medicaid,
    which pays last (42 USC 1396a(a)(25))."""
    if primary.payer.kind != Payer.Kind.COMMERCIAL or number % 7 not in (0, 3):
        return
    if number % 7 == 3:
        _coverage(patient, payers["Washington Apple Health (Medicaid)"], rng, since, rank=2)
        return
    other = "Puget Mutual" if primary.payer.name == "Evergreen Health Plan" else "Evergreen Health Plan"
    spouse = _coverage(
        patient,
        payers[other],
        rng,
        since,
        rank=2,
        relationship=Coverage.Relationship.SPOUSE,
        subscriber_family_name=patient.family_name,
        subscriber_given_name="Jordan",
        subscriber_birth_date=patient.birth_date,
        subscriber_sex="U",
    )
    if spouse.payer.requires_authorization:
        Authorization.objects.create(
            coverage=spouse,
            number=f"AUTH{rng.randint(10000, 99999)}",
            visits_allowed=12,
            starts_on=spouse.starts_on,
            ends_on=spouse.starts_on + timedelta(days=730),
        )


def load_claims(actor: User, patients: list[Patient], today: date) -> None:
    """Claims for the signed visits; each that passes the scrubber is marked ready. A few are left
    failing, each for its own reason, for the queue to show."""
    claims = services.build_claims(actor=actor, patients=patients, through=today)
    breakages = [
        (
            "an authorization used up",
            lambda c: Authorization.objects.filter(pk=c.authorization_id).update(visits_allowed=1),
        ),
        ("a missing member ID", lambda c: Coverage.objects.filter(pk=c.coverage_id).update(member_id="")),
        (  # the day before the claim's last visit: after the referral was written, before the visit
            "an expired referral",
            lambda c: c.plan.referral.__class__.objects.filter(pk=c.plan.referral_id).update(
                expires_on=max(line.service_date for line in c.lines.all()) - timedelta(days=1)
            ),
        ),
    ]
    # Each breaks the coverage, its authorization or the plan's referral: of a patient with no other claim,
    # so that it fails one claim only (a patient seen at both locations has two).
    claims_of = Counter(claim.coverage_id for claim in claims)
    for claim in claims:
        if breakages and claims_of[claim.coverage_id] == 1 and _fits(claim, breakages[0][0]):
            breakages.pop(0)[1](claim)
            services.check(Claim.objects.get(pk=claim.pk))
            continue
        with contextlib.suppress(services.ScrubFailed):  # it stays in the queue with its problems
            services.mark_ready(actor=actor, claim=claim, today=today)


def _fits(claim: Claim, breakage: str) -> bool:
    """Whether this claim can show that kind of problem."""
    if breakage == "an authorization used up":  # more than the one visit it is cut down to
        return claim.authorization_id is not None and claim.lines.values("note").distinct().count() > 1
    if breakage == "an expired referral":
        return claim.payer.requires_referral and claim.plan is not None and claim.plan.referral_id is not None
    return claim.payer.kind != Payer.Kind.SELF_PAY  # a member ID is the insurer's
