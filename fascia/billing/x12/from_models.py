"""Claims as the 837P writer takes them: Claim, ClaimLine, Coverage, Payer … rows turned into the plain
dataclasses of `edi837`. The only part of the 837P that reads the database."""

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from fascia.billing import cob, models
from fascia.billing.queries import service_location
from fascia.billing.x12 import edi837
from fascia.core.fields import AddressFields
from fascia.core.models import Location, Organization
from fascia.patients.models import Consent, Patient
from fascia.patients.queries import signature_on_file
from fascia.practitioners.models import Practitioner

# By the stored kind of a payer, its SBR09 claim filing indicator; of an injury case, its CLM11 related-causes
# code (REFERENCE.md §5).
FILING_INDICATOR = {
    "commercial": "CI",
    "medicare": "MB",
    "medicaid": "MC",
    "workers-comp": "WC",
    "auto": "AM",
    "self-pay": "ZZ",
}
RELATED_CAUSE = {"work": "EM", "auto": "AA", "other": "OA"}


def build_837(claims: Iterable[models.Claim], envelope: edi837.Envelope) -> str:
    """The claims of one practice in one 837P (edi837.write_837), in the order given.

    Raises ValueError as write_837 does, and when the claims belong to several practices or one has
    no coverage. Reads each claim's lines, the patient's consents and the practice's locations (prefetch
    them, with the lines' rendering practitioners' users and notes' appointment locations, when writing
    many), the patient's coverages and, for a secondary claim, its primary claim with its lines and postings.
    """
    claims = list(claims)
    if not claims:
        raise ValueError(edi837.NO_CLAIMS)
    if len({claim.organization_id for claim in claims}) > 1:
        raise ValueError("The claims belong to more than one practice; write one 837P per practice.")
    return edi837.write_837(billing_provider(claims[0].organization), [claim_837(c) for c in claims], envelope)


def address(owner: AddressFields) -> edi837.Address:
    return edi837.Address(
        line1=owner.address_line1,
        line2=owner.address_line2,
        city=owner.city,
        state=owner.state,
        postal_code=owner.postal_code,
    )


def clearinghouse(row: models.Clearinghouse) -> edi837.Clearinghouse:
    return edi837.Clearinghouse(
        name=row.name,
        submitter_id=row.submitter_id,
        receiver_id=row.receiver_id,
        submitter_qualifier=row.submitter_qualifier,
        receiver_qualifier=row.receiver_qualifier,
        application_sender=row.application_sender_code,
        application_receiver=row.application_receiver_code,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
    )


def signatures(consents: list[Consent], payer_id: int) -> tuple[str, str]:
    """CLM08/OI03 and CLM09/OI06 for a payer, from the patient's recorded billing signatures: an
    assignment given is Y, refused W, none N; a release given is Y, else I (no signature collected)."""
    assignment = signature_on_file(consents, Consent.Kind.ASSIGNMENT, payer_id)
    release = signature_on_file(consents, Consent.Kind.RELEASE, payer_id)
    if assignment is None:
        assigned = edi837.NOT_ASSIGNED
    else:
        assigned = edi837.ASSIGNED if assignment.granted else edi837.ASSIGNMENT_REFUSED
    released = edi837.RELEASE_SIGNED if release is not None and release.granted else edi837.RELEASE_INFORMED
    return assigned, released


def service_facility(location: Location | None) -> edi837.ServiceFacility | None:
    """The claim's service location for 2310C; None for a location without an address of its own, which is
    at the practice's address (as CMS-1500 box 32 shows it)."""
    if location is None or not location.address_line1.strip():
        return None
    return edi837.ServiceFacility(location.name, address(location))


def billing_provider(organization: Organization) -> edi837.BillingProvider:
    return edi837.BillingProvider(
        name=organization.legal_name,
        npi=organization.group_npi or "",
        tax_id=organization.tax_id,
        phone=organization.phone,
        address=address(organization),
    )


def payer(row: models.Payer) -> edi837.Payer:
    kind = models.Payer.Kind
    return edi837.Payer(
        name=row.name,
        payer_id=row.payer_id,
        filing_indicator=FILING_INDICATOR[row.kind],
        medicare=row.kind == kind.MEDICARE,
        property_casualty=row.kind in (kind.WORKERS_COMP, kind.AUTO),
        address=address(row),
    )


def coverage(row: models.Coverage, consents: list[Consent]) -> edi837.Coverage:
    assignment, release = signatures(consents, row.payer_id)
    return edi837.Coverage(
        payer=payer(row.payer),
        member_id=row.member_id,
        group_number=row.group_number,
        primary=row.rank == 1,
        relationship=row.relationship,
        subscriber=edi837.Person(row.subscriber_family_name, row.subscriber_given_name),
        assignment=assignment,
        release=release,
    )


def patient(row: Patient) -> edi837.Patient:
    return edi837.Patient(
        name=edi837.Person(row.family_name, row.given_name, row.middle_name),
        birth_date=row.birth_date,
        sex=row.sex,
        address=address(row),
    )


def provider(practitioner: Practitioner) -> edi837.Provider:
    user = practitioner.user
    return edi837.Provider(
        name=edi837.Person(user.last_name, user.first_name),
        npi=practitioner.npi or "",
        taxonomy_code=practitioner.taxonomy_code,
    )


def adjudication(primary: models.Claim) -> edi837.Adjudication | None:
    """What the primary payer decided on a claim, for the secondary's 2320/2330B/2430: its standing 835
    posting's claim-level adjustments, each line's paid amount and adjustments, the total it paid, the
    patient's share it left (AMT*EAF) and the remittance's date (DTP*573). None while it has not decided."""
    posting = cob.decision(primary)
    if posting is None:
        return None

    def adjustments(rows: list[models.Adjustment]) -> tuple[edi837.Adjustment, ...]:
        return tuple(edi837.Adjustment(a.group, a.reason, a.amount) for a in rows)

    remittance = posting.remittance
    return edi837.Adjudication(
        paid=primary.paid,
        patient_liability=primary.patient_responsibility,
        adjudicated_on=remittance.payment_date or timezone.localdate(remittance.created_at),
        adjustments=adjustments(cob.claim_adjustments(posting)),
        lines=tuple(
            edi837.LineAdjudication(line.paid, adjustments(cob.line_adjustments(posting, line)))
            for line in primary.lines.all()
        ),
    )


def other_payer(claim: models.Claim, first_day: date) -> tuple[models.Coverage | None, edi837.Adjudication | None]:
    """The other coverage of 2320/2330 and its decision: on a secondary claim, the primary claim's coverage and
    what its payer decided; on a primary claim, the patient's secondary coverage active on the first day (no
    amounts: it has decided nothing yet). A secondary claim drafted by hand before claims were linked names
    the active primary coverage, without amounts (the scrubber flags it)."""
    primary = claim.primary_claim
    if primary is not None:
        return primary.coverage, adjudication(primary)
    rank = 2 if claim.coverage is None or claim.coverage.rank == 1 else 1
    return cob.other_coverage(claim.patient.coverages.all(), rank=rank, day=first_day), None


def claim_837(claim: models.Claim) -> edi837.Claim:
    """One claim with its lines, coverage, injury, referral and the primary coverage it coordinates with."""
    if claim.coverage is None:
        raise ValueError(f"Claim {claim.number} has no coverage.")
    lines = list(claim.lines.all())
    consents = list(claim.patient.consents.all())
    location = service_location(claim, lines)
    case = claim.injury_case
    referral = claim.plan.referral if claim.plan is not None else None
    other, decided = other_payer(claim, lines[0].service_date) if lines else (None, None)
    return edi837.Claim(
        number=claim.number,
        patient=patient(claim.patient),
        payer=payer(claim.payer),
        coverage=coverage(claim.coverage, consents),
        lines=tuple(
            edi837.Line(
                service_date=line.service_date,
                cpt_code=line.cpt_code,
                units=line.units,
                amount=line.amount,
                place_of_service=line.place_of_service,
                rendering=provider(line.rendering),
                modifiers=tuple(line.modifiers),
                diagnosis_pointers=tuple(line.diagnosis_pointers),
            )
            for line in lines
        ),
        diagnoses=tuple(claim.diagnoses),
        frequency=claim.frequency,
        payer_claim_number=claim.payer_claim_number,
        authorization_number=claim.authorization.number if claim.authorization is not None else None,
        referral_number=referral.payer_referral_number if referral is not None else None,
        injury=None
        if case is None
        else edi837.Injury(
            related_cause=RELATED_CAUSE[case.kind],
            injury_date=case.injury_date,
            accident_state=case.accident_state,
            claim_number=case.claim_number,
        ),
        referring=None if referral is None else edi837.Referring(referral.provider.name, referral.provider.npi or ""),
        other_coverage=coverage(other, consents) if other is not None else None,
        adjudication=decided if other is not None else None,
        facility=service_facility(location),
    )
