"""Service lines from signed visit notes: one line per code per date of service, with units by the payer's
method, modifiers, and fee; the minutes that may not be billed, with the reason. Reads the database; writes
nothing. The rules themselves are `fascia.billing.units.bill_day` (pure)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from fascia.billing import coding
from fascia.billing.models import Fee, NcciPair, Payer
from fascia.billing.units import NcciPair as Pair
from fascia.billing.units import Withheld, bill_day
from fascia.core.models import Location
from fascia.plans.models import PlannedTechnique, TreatmentPlan
from fascia.visits.models import VisitNote

GP = "GP"  # services under an outpatient therapy plan of care (REFERENCE.md §2), when the payer asks for it


@dataclass
class Line:
    cpt_code: str
    units: int
    minutes: int
    regions: tuple[str, ...] = ()
    modifiers: list[str] = field(default_factory=list)
    fee: Decimal = Decimal("0")
    note: VisitNote | None = None  # the first note of the date that documented the code
    pointers: list[int] = field(default_factory=list)  # 1-based positions in the claim's diagnoses (`point`)

    @property
    def amount(self) -> Decimal:
        return self.fee * self.units


@dataclass
class Day:
    """One date of service billed to a payer: its lines, and per note the minutes withheld."""

    visited_on: date
    lines: list[Line]
    withheld: dict[int, list[Withheld]]  # note pk -> its minutes that may not be billed


def pairs_for(organization_id: int) -> list[Pair]:
    """The clinic's active NCCI pairs (one query)."""
    rows = NcciPair.objects.filter(organization_id=organization_id, is_active=True).order_by("column_1", "column_2")
    return [Pair(p.column_1, p.column_2, p.modifier_allowed) for p in rows]


def fees_for(payer: Payer) -> dict[str, Decimal]:
    """The payer's fee schedule over the clinic's standard fees: one query."""
    fees: dict[str, Decimal] = {}
    for fee in Fee.objects.filter(Q(payer=payer) | Q(payer__isnull=True), organization_id=payer.organization_id):
        if fee.payer_id is not None or fee.cpt_code not in fees:
            fees[fee.cpt_code] = fee.amount
    return fees


def lines_from(
    performed: Iterable[tuple[str, str, int | None]], payer: Payer, fees: dict[str, Decimal], pairs: Sequence[Pair]
) -> tuple[list[Line], list[Withheld]]:
    """The lines of one date of service from everything performed that day as (CPT code, region, minutes):
    units by the payer's method, the payer's distinct-service modifier on the column-2 code of an NCCI pair
    done on separate regions, GP when the payer asks for it."""
    day = bill_day(performed, method=payer.units_method, pairs=pairs)
    lines = []
    for d in day.lines:
        modifiers = [payer.distinct_modifier] if d.distinct else []
        if payer.requires_gp_modifier:
            modifiers.append(GP)
        lines.append(
            Line(
                cpt_code=d.code,
                units=d.units,
                minutes=d.minutes,
                regions=d.regions,
                modifiers=modifiers,
                fee=fees.get(d.code, Decimal("0")),
            )
        )
    return lines, day.withheld


def days_for(notes: Sequence[VisitNote], payer: Payer, fees: dict[str, Decimal], pairs: Sequence[Pair]) -> list[Day]:
    """The notes pooled per date of service (notes with techniques prefetched), in date order."""
    by_day: dict[date, list[VisitNote]] = defaultdict(list)
    for note in sorted(notes, key=lambda n: (n.visited_on, n.pk)):
        by_day[note.visited_on].append(note)
    days = []
    for day, day_notes in by_day.items():
        rows = [(note, t.technique.cpt_code, t.region, t.minutes) for note in day_notes for t in note.techniques.all()]
        lines, withheld = lines_from(((code, region, m) for _, code, region, m in rows), payer, fees, pairs)
        first: dict[str, VisitNote] = {}
        for note, code, _, _ in rows:
            first.setdefault(code, note)
        for line in lines:
            line.note = first[line.cpt_code]
        # A withheld (code, region) is credited to the notes that documented it on that region.
        by_note: dict[int, list[Withheld]] = defaultdict(list)
        for w in withheld:
            for note in day_notes:
                documented = sum(
                    t.minutes or 0
                    for t in note.techniques.all()
                    if (t.technique.cpt_code, t.region) == (w.code, w.region)
                )
                if documented:
                    by_note[note.pk].append(Withheld(w.code, w.region, documented, w.reason))
        days.append(Day(visited_on=day, lines=lines, withheld=dict(by_note)))
    return days


def service_location(note: VisitNote) -> Location | None:
    """Where a visit was given: its appointment's location, else the practitioner's first location."""
    if note.appointment is not None and note.appointment.location_id:
        return note.appointment.location
    return note.practitioner.locations.first()


def planned_for(plan: TreatmentPlan | None) -> list[coding.Planned]:
    """The plan's techniques as its claim lines see them: CPT code, region and the diagnoses each treats. One
    query, over the links: a planned technique that names no diagnosis treats nothing a line could point at."""
    if plan is None:
        return []
    links = (
        PlannedTechnique.diagnoses.through.objects.filter(plannedtechnique__plan_id=plan.pk)
        .order_by("plannedtechnique_id", "diagnosis__rank")
        .values_list(
            "plannedtechnique_id",
            "plannedtechnique__technique__cpt_code",
            "plannedtechnique__region",
            "diagnosis__code",
        )
    )
    treats: dict[tuple[int, str, str], set[str]] = defaultdict(set)
    for pk, cpt_code, region, code in links:
        treats[(pk, cpt_code, region)].add(code)
    return [coding.Planned(cpt_code, region, frozenset(codes)) for (_, cpt_code, region), codes in treats.items()]


def point(lines: Sequence[Line], ranked: Sequence[str], planned: Sequence[coding.Planned]) -> list[str]:
    """The claim's diagnoses (box 21, HI), and each line's pointers set to what the plan says its code treats on
    the regions documented that day (NUCC 24E, 837P SV107; REFERENCE.md §5a). `ranked` is the evaluation's
    diagnoses in rank order; those the lines treat come first, the others after them."""
    treats = [coding.treated_by(planned, line.cpt_code, line.regions) for line in lines]
    diagnoses = coding.claim_diagnoses(ranked, set().union(*treats))
    for line, treated in zip(lines, treats, strict=True):
        line.pointers = coding.line_pointers(diagnoses, treated)
    return diagnoses
