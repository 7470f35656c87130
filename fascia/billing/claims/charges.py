"""Service lines from a signed visit note: codes and units by the payer's method, modifiers,
diagnosis pointers, place of service and fee. Reads the database; writes nothing."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from fascia.billing.models import Fee, Payer
from fascia.billing.units import bill_units
from fascia.visits.models import VisitNote

GP = "GP"  # services under an outpatient therapy plan of care (REFERENCE.md §2), when the payer asks for it
DISTINCT = "59"  # separate procedure or region (REFERENCE.md §2; the X modifiers XS/XU are the payer's choice)
# NCCI procedure-to-procedure pairs a massage practice meets: (column 1, column 2). Both bill on the
# same day only in separate regions, with the modifier on the column-2 code; on a shared region the
# column-2 service is bundled into the column-1 code, its minutes with it. Check the pair against
# the current quarter's CMS NCCI practitioner table before relying on which code is which.
NCCI_PAIRS = [("97140", "97124")]


@dataclass
class Line:
    cpt_code: str
    units: int
    minutes: int
    regions: set[str] = field(default_factory=set)
    modifiers: list[str] = field(default_factory=list)
    fee: Decimal = Decimal("0")

    @property
    def amount(self) -> Decimal:
        return self.fee * self.units


def minutes_by_code(note: VisitNote) -> tuple[dict[str, int], dict[str, set[str]]]:
    """The note's billable minutes per CPT code and the regions each code was performed on, with
    same-region NCCI pairs bundled into their column-1 code."""
    return code_minutes((t.technique.cpt_code, t.region, t.minutes) for t in note.techniques.all())


def code_minutes(performed: Iterable[tuple[str, str, int | None]]) -> tuple[dict[str, int], dict[str, set[str]]]:
    """`minutes_by_code` over (CPT code, region, minutes) of each technique performed."""
    minutes: dict[str, int] = {}
    regions: dict[str, set[str]] = {}
    for code, region, performed_minutes in performed:
        minutes[code] = minutes.get(code, 0) + (performed_minutes or 0)
        regions.setdefault(code, set()).add(region)
    for first, second in NCCI_PAIRS:
        if regions.get(first, set()) & regions.get(second, set()):  # on a shared region: only one may be billed
            minutes[first] += minutes.pop(second)
            regions[first] |= regions.pop(second)
    return minutes, regions


def fees_for(payer: Payer) -> dict[str, Decimal]:
    """The payer's fee schedule over the clinic's standard fees: one query."""
    fees: dict[str, Decimal] = {}
    for fee in Fee.objects.filter(Q(payer=payer) | Q(payer__isnull=True), organization_id=payer.organization_id):
        if fee.payer_id is not None or fee.cpt_code not in fees:
            fees[fee.cpt_code] = fee.amount
    return fees


def lines_for(note: VisitNote, payer: Payer, fees: dict[str, Decimal]) -> list[Line]:
    """The billable lines of one visit: codes and units by the payer's method, the distinct-region
    modifier on NCCI pairs done in separate regions, GP when the payer asks for it."""
    return lines_from(*minutes_by_code(note), payer, fees)


def lines_from(
    minutes: dict[str, int], regions: dict[str, set[str]], payer: Payer, fees: dict[str, Decimal]
) -> list[Line]:
    """`lines_for` from the minutes and regions by code (`code_minutes`)."""
    units = bill_units(minutes, method=payer.units_method)
    lines = [
        Line(cpt_code=code, units=n, minutes=minutes[code], regions=regions[code], fee=fees.get(code, Decimal("0")))
        for code, n in sorted(units.items())
    ]
    by_code = {line.cpt_code: line for line in lines}
    for first, second in NCCI_PAIRS:
        if first in by_code and second in by_code and not by_code[first].regions & by_code[second].regions:
            by_code[second].modifiers.append(DISTINCT)
    if payer.requires_gp_modifier:
        for line in lines:
            line.modifiers.append(GP)
    return lines


def diagnosis_pointers(diagnoses: list[str]) -> list[int]:
    """The claim diagnoses each line points at: the first four, as many as a service line holds (NUCC 24E,
    837P SV107)."""
    return list(range(1, min(len(diagnoses), 4) + 1))
