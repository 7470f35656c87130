"""The claim scrubber: every reason a claim would be rejected or denied that Fascia can see before
it is sent, in words the billing staff can act on. A claim with any problem cannot become ready."""

from collections import defaultdict
from datetime import date

from fascia.billing.charges import DISTINCT, NCCI_PAIRS, minutes_by_code
from fascia.billing.models import Authorization, Claim, ClaimLine, Payer
from fascia.billing.queries import with_visits_used
from fascia.billing.units import bill_units
from fascia.core.npi import is_valid_npi
from fascia.patients import icd10


def scrub(claim: Claim, *, today: date) -> list[str]:
    """The claim's problems, each a sentence; empty when it may be sent. A fixed number of queries
    plus one per visit."""
    lines = list(
        claim.lines.select_related("note__plan__referral__provider", "rendering__user").prefetch_related(
            "note__techniques__technique"
        )
    )
    if not lines:
        return ["The claim has no service lines: nothing billable."]
    payer, coverage, plan = claim.payer, claim.coverage, claim.plan
    problems: list[str] = []
    problems += _providers(claim, lines)
    problems += _diagnoses(claim, lines)
    problems += _notes(claim, lines)
    days = sorted({line.service_date for line in lines})
    if coverage is None:
        problems.append("The claim has no coverage: add the patient's insurance.")
    else:
        if not coverage.member_id.strip():
            problems.append("The coverage has no member ID.")
        inactive = [d for d in days if not coverage.is_active_on(d)]
        if inactive:
            problems.append(f"The coverage is not active on {_dates(inactive)}.")
    if payer.claim_method == Payer.ClaimMethod.ELECTRONIC and not payer.payer_id.strip():
        problems.append(f"{payer} has no payer ID for electronic claims.")
    late = (today - days[0]).days - payer.timely_filing_days
    if late > 0:
        limit = payer.timely_filing_days
        problems.append(f"The timely-filing limit ({limit} days) passed {late} day(s) ago for {days[0]:%Y-%m-%d}.")
    problems += _authorization(claim, days)
    if payer.requires_referral or payer.requires_certification:
        if plan is None:
            problems.append(f"{payer} requires a plan of care; the visits have none.")
        else:
            if payer.requires_referral:
                referral = plan.referral
                if referral is None:
                    problems.append(f"{payer} requires a referral; the plan of care has none.")
                elif referral.expires_on < days[-1]:
                    problems.append(f"The referral expired on {referral.expires_on:%Y-%m-%d}, before the last visit.")
            if payer.requires_certification and not plan.certified_on:
                problems.append(f"{payer} requires the plan of care certified by the referring provider.")
    problems += _injury(claim)
    unpriced = sorted({line.cpt_code for line in lines if line.fee <= 0})
    if unpriced:
        problems.append(f"No fee for {', '.join(unpriced)}: add it to the fee schedule.")
    return problems


def _dates(days: list[date]) -> str:
    return ", ".join(f"{d:%Y-%m-%d}" for d in days)


def _providers(claim: Claim, lines: list[ClaimLine]) -> list[str]:
    problems = []
    organization = claim.organization
    if not is_valid_npi(organization.group_npi or ""):
        problems.append(f"The billing provider's NPI ({organization.group_npi or 'none'}) is not a valid NPI.")
    if not organization.tax_id:
        problems.append("The billing provider has no tax ID (EIN).")
    for practitioner in {line.rendering for line in lines}:
        if not is_valid_npi(practitioner.npi or ""):
            problems.append(f"The rendering provider {practitioner}'s NPI ({practitioner.npi}) is not valid.")
    referral = claim.plan.referral if claim.plan else None
    if referral is not None and not is_valid_npi(referral.provider.npi or ""):
        problems.append(f"The referring provider {referral.provider}'s NPI is missing or not valid.")
    return problems


def _diagnoses(claim: Claim, lines: list[ClaimLine]) -> list[str]:
    if not claim.diagnoses:
        return ["The claim has no diagnosis: sign an evaluation with ICD-10-CM codes for the plan."]
    problems = [f"{code} is not a billable ICD-10-CM code." for code in claim.diagnoses if not icd10.is_billable(code)]
    for line in lines:
        if not line.diagnosis_pointers or any(not 1 <= p <= len(claim.diagnoses) for p in line.diagnosis_pointers):
            problems.append(f"{line} points to no diagnosis of the claim.")
    return problems


def _notes(claim: Claim, lines: list[ClaimLine]) -> list[str]:
    """Each visit's note is signed and its minutes support the units billed."""
    problems = []
    by_note: dict[int, list[ClaimLine]] = defaultdict(list)
    for line in lines:
        by_note[line.note_id].append(line)
    for note_lines in by_note.values():
        note = note_lines[0].note
        if not note.is_signed:
            problems.append(f"The note of {note.visited_on:%Y-%m-%d} is not signed.")
            continue
        minutes, _ = minutes_by_code(note)
        supported = bill_units(minutes, method=claim.payer.units_method)
        for line in note_lines:
            if line.units > supported.get(line.cpt_code, 0):
                problems.append(
                    f"{line.service_date:%Y-%m-%d} {line.cpt_code}: {line.units} unit(s) billed but the note's "
                    f"{minutes.get(line.cpt_code, 0)} minutes support {supported.get(line.cpt_code, 0)}."
                )
        billed = {line.cpt_code: line for line in note_lines}
        for first, second in NCCI_PAIRS:
            if first in billed and second in billed and DISTINCT not in billed[second].modifiers:
                problems.append(
                    f"{note.visited_on:%Y-%m-%d}: {first} and {second} on the same day need modifier {DISTINCT} "
                    f"on {second} for separate regions, or one code (NCCI)."
                )
    return problems


def _authorization(claim: Claim, days: list[date]) -> list[str]:
    if not claim.payer.requires_authorization:
        return []
    authorization = claim.authorization
    if authorization is None:
        return [f"{claim.payer} requires a prior authorization; none covers {days[0]:%Y-%m-%d}."]
    problems = []
    outside = [d for d in days if not authorization.starts_on <= d <= authorization.ends_on]
    if outside:
        problems.append(
            f"Authorization {authorization.number} ({authorization.starts_on:%Y-%m-%d} to "
            f"{authorization.ends_on:%Y-%m-%d}) does not cover {_dates(outside)}."
        )
    visits = with_visits_used(Authorization.objects.filter(pk=authorization.pk)).get().used
    if visits > authorization.visits_allowed:
        problems.append(
            f"Authorization {authorization.number} allows {authorization.visits_allowed} visits; "
            f"{visits} are billed under it."
        )
    return problems


def _injury(claim: Claim) -> list[str]:
    kind = claim.payer.kind
    case = claim.injury_case
    if kind in (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO) and case is None:
        return [
            f"A {claim.payer.get_kind_display().lower()} claim needs the injury case (date of injury, claim number)."
        ]
    if case is None:
        return []
    problems = []
    if not case.injury_date:
        problems.append("The injury case has no date of injury.")
    if case.kind == case.Kind.AUTO and not case.accident_state:
        problems.append("The auto accident's state is missing (box 10b).")
    if kind in (Payer.Kind.WORKERS_COMP, Payer.Kind.AUTO) and not case.claim_number:
        problems.append("The injury case has no insurer's claim number.")
    return problems
