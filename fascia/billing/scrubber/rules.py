"""The scrubber's rules: one function each, registered with `@rule(source=...)` naming where the rule
comes from. A rule takes the claim under review and returns its problems, each a sentence the billing
staff can act on, or nothing. They run in the order they are defined here, which is the order the
work queue lists their problems in.

A new payer rule is one function here, with its source, and one test.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from fascia.billing import cob, coding
from fascia.billing.certification import certification_problems
from fascia.billing.claims.charges import days_for, fees_for, pairs_for, planned_for
from fascia.billing.models import Authorization, Claim, ClaimLine, ClaimNote, Payer
from fascia.billing.queries import clearinghouse_for, service_location, with_visits_used
from fascia.billing.x12 import edi837, from_models
from fascia.core.npi import is_valid_npi
from fascia.patients import icd10
from fascia.patients.models import Consent
from fascia.patients.queries import signature_on_file
from fascia.visits.models import VisitNote


@dataclass(frozen=True)
class Review:
    """What every rule looks at: the claim, its lines (with their notes and practitioners, read once
    for all the rules), the days of service in order, and the day of the review."""

    claim: Claim
    lines: list[ClaimLine]
    days: list[date]
    today: date
    # The notes the claim bills (with their techniques), and the dates of service another live claim to this
    # payer bills too, with that claim's number.
    billed: list[ClaimNote] = field(default_factory=list)
    elsewhere: dict[date, str] = field(default_factory=dict)


Check = Callable[[Review], list[str]]


@dataclass(frozen=True)
class Rule:
    check: Check
    source: str


RULES: list[Rule] = []


def rule(*, source: str) -> Callable[[Check], Check]:
    """Register a rule; `source` says where it comes from (REFERENCE.md section, CMS manual, NUCC guide, payer)."""

    def register(check: Check) -> Check:
        RULES.append(Rule(check=check, source=source))
        return check

    return register


def _dates(days: list[date]) -> str:
    return ", ".join(f"{d:%Y-%m-%d}" for d in days)


@rule(source="REFERENCE.md §4 (CMS NPI standard, check digit); 837P 2010AA NM109; NUCC 1500 box 33a")
def billing_provider_npi(review: Review) -> list[str]:
    npi = review.claim.organization.group_npi
    if is_valid_npi(npi or ""):
        return []
    return [f"The billing provider's NPI ({npi or 'none'}) is not a valid NPI."]


@rule(source="REFERENCE.md §5 (2010AA tax id, REF*EI); NUCC 1500 box 25")
def billing_provider_tax_id(review: Review) -> list[str]:
    return [] if review.claim.organization.tax_id else ["The billing provider has no tax ID (EIN)."]


@rule(source="REFERENCE.md §4 (CMS NPI standard, check digit); 837P 2310B/2420A NM109; NUCC 1500 box 24J")
def rendering_provider_npi(review: Review) -> list[str]:
    return [
        f"The rendering provider {practitioner}'s NPI ({practitioner.npi}) is not valid."
        for practitioner in {line.rendering for line in review.lines}
        if not is_valid_npi(practitioner.npi or "")
    ]


@rule(source="REFERENCE.md §4 (CMS NPI standard, check digit); 837P 2310A NM109; NUCC 1500 box 17b")
def referring_provider_npi(review: Review) -> list[str]:
    plan = review.claim.plan
    referral = plan.referral if plan else None
    if referral is None or is_valid_npi(referral.provider.npi or ""):
        return []
    return [f"The referring provider {referral.provider}'s NPI is missing or not valid."]


@rule(source="REFERENCE.md §7 (ICD-10-CM: only leaf codes are billable); NUCC 1500 box 21")
def billable_diagnoses(review: Review) -> list[str]:
    diagnoses = review.claim.diagnoses
    if not diagnoses:
        return ["The claim has no diagnosis: sign an evaluation with ICD-10-CM codes for the plan."]
    return [f"{code} is not a billable ICD-10-CM code." for code in diagnoses if not icd10.is_billable(code)]


@rule(source="REFERENCE.md §5a (Diagnoses: NUCC 24E pointers); 837P SV107")
def diagnosis_pointers(review: Review) -> list[str]:
    count = len(review.claim.diagnoses)
    if not count:
        return []  # billable_diagnoses says so
    return [
        f"{line} points to no diagnosis of the claim."
        for line in review.lines
        if not line.diagnosis_pointers or any(not 1 <= p <= count for p in line.diagnosis_pointers)
    ]


@rule(source="REFERENCE.md §5a (Diagnoses: each line's pointers name what the service treats, NUCC 24E); 837P SV107")
def lines_treat_planned_diagnoses(review: Review) -> list[str]:
    plan = review.claim.plan
    if plan is None or not review.claim.diagnoses:
        return []  # plan_of_care and billable_diagnoses say so
    planned = planned_for(plan)
    names: dict[str, dict[str, None]] = defaultdict(dict)  # per code, the techniques billed under it, in order
    for line in review.lines:
        for t in line.note.techniques.all():
            names[t.technique.cpt_code][t.technique.name] = None
    off_plan: dict[str, list[date]] = defaultdict(list)
    for line in review.lines:
        if not coding.treated_by(planned, line.cpt_code, ()):
            off_plan[line.cpt_code].append(line.service_date)
    return [
        f"{' / '.join(names[code]) or 'The technique'} ({code}, {_dates(days)}) is not on the plan's list of what "
        f"it treats: its line points at {review.claim.diagnoses[0]} by default. Add it to the plan (a new version) "
        "with the diagnoses it treats."
        for code, days in off_plan.items()
    ]


@rule(source="The payer's referral-number requirement; 837P 2300 REF*9F; NUCC 1500 item 23")
def referral_number(review: Review) -> list[str]:
    payer = review.claim.payer
    if not payer.requires_referral_number:
        return []
    plan = review.claim.plan
    referral = plan.referral if plan is not None else None
    if referral is None:
        return [f"{payer} requires the referral number it assigned; the claim's plan names no referral."]
    if not referral.payer_referral_number.strip():
        return [
            f"{payer} requires the referral number it assigned; the referral from {referral.provider} "
            f"({referral.referral_date:%Y-%m-%d}) has none recorded."
        ]
    return []


@rule(source="ICD-10-CM Official Guidelines FY2026 I.C.19.a (7th character A active, D subsequent care)")
def injury_seventh_character(review: Review) -> list[str]:
    plan = review.claim.plan
    if plan is None:
        return []  # no evaluation to count the care from; plan_of_care names a missing plan where one is needed
    started, last = plan.evaluation.evaluated_on, review.days[-1]
    return [
        f"{code} reports an initial encounter (7th character A) on visits {(last - started).days} days into the care "
        f"(evaluated {started:%Y-%m-%d}): rehabilitation is subsequent care, {coding.as_subsequent(code)}."
        for code in review.claim.diagnoses
        if coding.initial_encounter_too_late(code, care_started=started, service_day=last)
    ]


@rule(source="ICD-10-CM Official Guidelines FY2026 I.C.20 (external-cause codes are never first-listed); NUCC box 21A")
def external_cause_not_first(review: Review) -> list[str]:
    diagnoses = review.claim.diagnoses
    if diagnoses and coding.is_external_cause(diagnoses[0]):
        return [f"{diagnoses[0]} is an external-cause code: list the injury or condition it explains first."]
    return []


@rule(source="ICD-10-CM Official Guidelines FY2026 I.A.12.a (Excludes1), simple-icd-10-cm's notes")
def excludes1_pairs(review: Review) -> list[str]:
    return [
        f"{first} and {second} are an Excludes1 pair (ICD-10-CM): they are not coded together; keep the one "
        "the evaluation supports, unless the two conditions are unrelated."
        for first, second in coding.excludes1_pairs(review.claim.diagnoses)
    ]


def _notes(review: Review) -> list[VisitNote]:
    return [billed.note for billed in review.billed]


@rule(source="CMS Pub. 100-08 ch. 3 §3.3.2.4 (services are supported by signed records); DESIGN.md signed records")
def signed_notes(review: Review) -> list[str]:
    return [f"The note of {note.visited_on:%Y-%m-%d} is not signed." for note in _notes(review) if not note.is_signed]


@rule(source="No double billing: a visit is on one live claim per payer (issue 24 point 7); CARC 18 (duplicate)")
def visits_billed_once(review: Review) -> list[str]:
    return [
        f"{day:%Y-%m-%d} is billed to {review.claim.payer} on claim {number} already: close this claim, "
        "or correct that one (one claim bills a date of service)."
        for day, number in sorted(review.elsewhere.items())
    ]


@rule(source="REFERENCE.md §1 (CMS Pub. 100-04 ch. 5 §20.2, 8-minute rule; CPT per-code method); §5a timed codes")
def units_supported_by_minutes(review: Review) -> list[str]:
    """Each line's units against those its code's minutes support, over every signed note of its date."""
    notes = [note for note in _notes(review) if note.is_signed]  # signed_notes names the others
    payer = review.claim.payer
    days = days_for(notes, payer, fees_for(payer), pairs_for(review.claim.organization_id))
    supported = {(day.visited_on, line.cpt_code): line for day in days for line in day.lines}
    signed_days = {note.visited_on for note in notes}
    problems = []
    for line in review.lines:
        if line.service_date not in signed_days:
            continue
        expected = supported.get((line.service_date, line.cpt_code))
        units, minutes = (expected.units, expected.minutes) if expected else (0, 0)
        if line.units > units:
            problems.append(
                f"{line.service_date:%Y-%m-%d} {line.cpt_code}: {line.units} unit(s) billed but the day's "
                f"{minutes} billable minutes for it support {units}."
            )
    return problems


@rule(source="REFERENCE.md §1 (CMS Pub. 100-04 ch. 5 §20.2); §5a: report each timed code once per date of service")
def one_line_per_code_and_date(review: Review) -> list[str]:
    seen: dict[tuple[date, str], int] = defaultdict(int)
    for line in review.lines:
        seen[(line.service_date, line.cpt_code)] += 1
    return [
        f"{day:%Y-%m-%d} {code} is on {n} lines: bill it once for the date." for (day, code), n in seen.items() if n > 1
    ]


@rule(source="REFERENCE.md §2 (CMS NCCI practitioner procedure-to-procedure edits, modifiers 59/XS)")
def ncci_pairs(review: Review) -> list[str]:
    by_day: dict[date, dict[str, ClaimLine]] = defaultdict(dict)
    for line in review.lines:
        by_day[line.service_date][line.cpt_code] = line
    modifier = review.claim.payer.distinct_modifier
    pairs = pairs_for(review.claim.organization_id) if any(len(billed) > 1 for billed in by_day.values()) else []
    problems = []
    for day, billed in sorted(by_day.items()):
        for pair in pairs:
            first, second = pair.column_1, pair.column_2
            if first not in billed or second not in billed:
                continue
            if not pair.modifier_allowed:
                problems.append(f"{day:%Y-%m-%d}: {second} is never billed with {first} on one date (NCCI).")
            elif modifier not in billed[second].modifiers:
                problems.append(
                    f"{day:%Y-%m-%d}: {first} and {second} on the same day need modifier {modifier} "
                    f"on {second} for separate regions, or one code (NCCI)."
                )
    return problems


@rule(source="REFERENCE.md §5 (2000B subscriber, SBR); NUCC 1500 boxes 1, 1a, 4, 11")
def coverage_on_file(review: Review) -> list[str]:
    return [] if review.claim.coverage else ["The claim has no coverage: add the patient's insurance."]


@rule(source="REFERENCE.md §5 (2010BA NM109 member ID); NUCC 1500 box 1a")
def member_id(review: Review) -> list[str]:
    coverage = review.claim.coverage
    return ["The coverage has no member ID."] if coverage and not coverage.member_id.strip() else []


@rule(source="CARC 27 (expenses incurred after coverage terminated), REFERENCE.md §5b")
def coverage_active(review: Review) -> list[str]:
    coverage = review.claim.coverage
    inactive = [d for d in review.days if coverage and not coverage.is_active_on(d)]
    return [f"The coverage is not active on {_dates(inactive)}."] if inactive else []


@rule(
    source="REFERENCE.md §5a Coordination of benefits (005010X222A1 2320 AMT*D, CAS; 2430 SVD): a second payer "
    "adjudicates after the first"
)
def primary_decision(review: Review) -> list[str]:
    claim = review.claim
    primary = claim.primary_claim
    if primary is None:
        if claim.coverage is not None and claim.coverage.rank != 1:
            return [
                "A claim to the secondary coverage needs the primary payer's decision: draft it from the primary "
                "claim's page once its 835 is posted, and close this one."
            ]
        return []
    if cob.decision(primary) is None:
        return [
            f"The primary payer's decision on claim {primary.number} is not posted (or it was reversed): the "
            "secondary claim waits for it."
        ]
    return []


@rule(source="Medicaid is the payer of last resort, 42 USC 1396a(a)(25); REFERENCE.md §5a SBR05")
def medicaid_pays_last(review: Review) -> list[str]:
    claim = review.claim
    if claim.payer.kind != Payer.Kind.MEDICAID or claim.primary_claim_id is not None:
        return []
    others = [
        c
        for c in claim.patient.coverages.exclude(payer__kind__in=[Payer.Kind.MEDICAID, Payer.Kind.SELF_PAY])
        .select_related("payer")
        .order_by("rank", "pk")
        if c.is_active_on(review.days[0])
    ]
    if not others:
        return []
    return [f"Medicaid pays last: bill {others[0].payer} first ({cob.MEDICAID_LAST})."]


@rule(source="REFERENCE.md §5 (2010BB payer, NM109 payer ID); the clearinghouse's payer list")
def electronic_payer_id(review: Review) -> list[str]:
    payer = review.claim.payer
    if payer.claim_method == Payer.ClaimMethod.ELECTRONIC and not payer.payer_id.strip():
        return [f"{payer} has no payer ID for electronic claims."]
    return []


@rule(source="The payer's timely-filing limit (Payer.timely_filing_days); CARC 29")
def timely_filing(review: Review) -> list[str]:
    payer, first = review.claim.payer, review.days[0]
    late = (review.today - first).days - payer.timely_filing_days
    if late <= 0:
        return []
    return [f"The timely-filing limit ({payer.timely_filing_days} days) passed {late} day(s) ago for {first:%Y-%m-%d}."]


@rule(source="The payer's prior-authorization requirement (Payer.requires_authorization); CARC 197; 837P REF*G1")
def authorization_covers_the_visits(review: Review) -> list[str]:
    claim, days = review.claim, review.days
    if not claim.payer.requires_authorization:
        return []
    authorization = claim.authorization
    if authorization is None:
        return [f"{claim.payer} requires a prior authorization; none covers {days[0]:%Y-%m-%d}."]
    outside = [d for d in days if not authorization.starts_on <= d <= authorization.ends_on]
    if not outside:
        return []
    return [
        f"Authorization {authorization.number} ({authorization.starts_on:%Y-%m-%d} to "
        f"{authorization.ends_on:%Y-%m-%d}) does not cover {_dates(outside)}."
    ]


@rule(source="The payer's prior-authorization requirement (authorized visit count); CARC 119, RARC N362")
def authorization_visits(review: Review) -> list[str]:
    claim = review.claim
    authorization = claim.authorization
    if not claim.payer.requires_authorization or authorization is None:
        return []
    visits = with_visits_used(Authorization.objects.filter(pk=authorization.pk)).get().used
    if visits <= authorization.visits_allowed:
        return []
    return [
        f"Authorization {authorization.number} allows {authorization.visits_allowed} visits; "
        f"{visits} are billed under it."
    ]


@rule(source="The payer's referral and certification requirements (Payer.requires_referral, requires_certification)")
def plan_of_care(review: Review) -> list[str]:
    payer = review.claim.payer
    if (payer.requires_referral or payer.requires_certification) and review.claim.plan is None:
        return [f"{payer} requires a plan of care; the visits have none."]
    return []


@rule(source="The payer's referral requirement (Payer.requires_referral); 837P 2310A; NUCC 1500 box 17")
def referral(review: Review) -> list[str]:
    payer, plan = review.claim.payer, review.claim.plan
    if not payer.requires_referral or plan is None:
        return []  # plan_of_care names a missing plan
    if plan.referral is None:
        return [f"{payer} requires a referral; the plan of care has none."]
    if plan.referral.expires_on < review.days[-1]:
        return [f"The referral expired on {plan.referral.expires_on:%Y-%m-%d}, before the last visit."]
    return []


@rule(source="REFERENCE.md §5a (plan-of-care certification, CMS Pub. 100-02 ch. 15 §220.1.3); the payer's requirement")
def certified_plan_of_care(review: Review) -> list[str]:
    payer, plan = review.claim.payer, review.claim.plan
    if payer.requires_certification and plan is not None and not plan.certified_on:
        return [f"{payer} requires the plan of care certified by the referring provider."]
    return []


@rule(source="Medicare Benefit Policy Manual (Pub. 100-02) ch. 15 §220.1.3: first within 30 days, then every 90 days")
def certification_periods(review: Review) -> list[str]:
    if not review.claim.payer.requires_certification:
        return []
    problems: list[str] = []
    for note in _notes(review):
        plan = note.plan  # the version the visit was written under, with its certification
        if plan is None or not note.is_signed:  # signed_notes names an unsigned one
            continue
        for problem in certification_problems(
            care_started=plan.evaluation.evaluated_on, certified_on=plan.certified_on, service_day=note.visited_on
        ):
            if problem not in problems:
                problems.append(problem)
    return problems


@rule(source="REFERENCE.md §5 (CLM11 related causes, DTP*431/439, REF*Y4); NUCC 1500 boxes 10a-c, 14")
def injury_case(review: Review) -> list[str]:
    payer, case = review.claim.payer, review.claim.injury_case
    if case is None:
        if payer.kind in (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO):
            return [f"A {payer.get_kind_display().lower()} claim needs the injury case (date of injury, claim number)."]
        return []
    problems = []
    if not case.injury_date:
        problems.append("The injury case has no date of injury.")
    if case.kind == case.Kind.AUTO and not case.accident_state:
        problems.append("The auto accident's state is missing (box 10b).")
    if payer.kind in (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO) and not case.claim_number:
        problems.append("The injury case has no insurer's claim number.")
    return problems


@rule(source="The clinic's fee schedule (Fee); NUCC 1500 box 24F")
def priced_lines(review: Review) -> list[str]:
    unpriced = sorted({line.cpt_code for line in review.lines if line.fee <= 0})
    return [f"No fee for {', '.join(unpriced)}: add it to the fee schedule."] if unpriced else []


@rule(source="005010X222A1 2010AA N403 (the billing provider's ZIP code is nine digits); REFERENCE.md §5a Addresses")
def billing_provider_zip(review: Review) -> list[str]:
    organization = review.claim.organization
    if len(edi837.zip_digits(from_models.address(organization))) == 9:
        return []
    return [
        f"The billing provider's ZIP code ({organization.postal_code or 'none'}) must be ZIP+4, nine digits: "
        "enter it on the organization's page."
    ]


@rule(source="005010X222A1 2310C (service facility when not at the 2010AA address, N403 nine digits); NUCC 1500 box 32")
def service_facility_address(review: Review) -> list[str]:
    organization = review.claim.organization
    location = service_location(review.claim, review.lines)
    facility = from_models.service_facility(location)
    if location is None or facility is None:
        return []  # no location, or one without an address of its own: at the billing provider's address
    if edi837.same_place(facility.address, from_models.address(organization)):
        return []  # no 2310C: the billing provider's address says where
    if len(edi837.zip_digits(facility.address)) != 9:
        return [
            f"The service location {location}'s ZIP code ({location.postal_code or 'none'}) must be ZIP+4, "
            "nine digits: enter it on the location's page."
        ]
    return []


@rule(source="005010X222A1 ISA/GS and loops 1000A/1000B (the submitter and receiver IDs a clearinghouse assigns)")
def clearinghouse_set(review: Review) -> list[str]:
    payer = review.claim.payer
    if payer.claim_method != Payer.ClaimMethod.ELECTRONIC or clearinghouse_for(payer) is not None:
        return []
    return [
        f"No clearinghouse is set for {payer}'s electronic claims: an admin enters one under Billing → Payers "
        "(its submitter and receiver IDs) and makes it the default or names it on the payer."
    ]


@rule(
    source="005010X222A1 CLM08/CLM09 and OI03/OI06 (signatures on file); NUCC 1500 Items 12, 13 and 27; "
    "REFERENCE.md §5a Signatures"
)
def signatures_on_file(review: Review) -> list[str]:
    payer = review.claim.payer
    if payer.kind == Payer.Kind.SELF_PAY:
        return []  # the patient pays: no benefits to assign, nothing released to a payer
    consents = list(review.claim.patient.consents.all())
    where = "record the signature under Consents on the patient's page"
    problems = []
    if signature_on_file(consents, Consent.Kind.ASSIGNMENT, payer.pk) is None:
        problems.append(f"No assignment of benefits to the practice is on file for {payer}: {where}.")
    release = signature_on_file(consents, Consent.Kind.RELEASE, payer.pk)
    if release is None:
        problems.append(f"No release of information is on file for {payer}: {where}.")
    elif not release.granted:
        problems.append(
            f"The patient declined the release of information on {release.date:%Y-%m-%d}; {payer} needs it to "
            "process the claim: bill the patient, or record a new signature."
        )
    return problems
