"""Outcome evidence (issue 28): per instrument, the share of episodes of care whose improvement reached the MCID
(responder rate) with its 95 % Wilson interval, the median change and the median visits and days to the MCID,
broken down by condition group, dominant technique, practitioner, payer kind and dose.

Counted by SQL over the Episode summary rows (analytics.episodes keeps them current): each breakdown is one GROUP
BY over every instrument at once, and its medians one query that keeps only each cell's middle row or two (a
window function ranks the changes within the cell). So the page runs the same queries for ten episodes or a
million, and never reads a patient, a note or a score.

An episode counts for an instrument when it has a baseline and at least one later score of it. Observational data:
the patients chose, and were chosen for, their care; the rates describe, they do not compare treatments."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.analytics import snapshots, stats
from fascia.analytics.models import ConditionGroup, Episode, EpisodeMeasure, EpisodeTechnique
from fascia.audit.models import AuditAction
from fascia.billing.models import Payer
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import StyledForm
from fascia.core.models import Location, Organization
from fascia.lib import charts
from fascia.measures.instruments import INSTRUMENTS
from fascia.practitioners.models import Practitioner, practitioner_name
from fascia.referrals.models import ReferringProvider
from fascia.techniques.models import Technique

BREAKDOWNS = {
    "all": "All episodes",
    "group": "By condition group",
    "technique": "By dominant technique (more than half the minutes)",
    "practitioner": "By practitioner",
    "payer": "By payer kind",
    "referral": "By referral source",
    "dose": "By dose: minutes of hands-on work over the episode",
}
DOSE_BANDS = (0, 120, 300)  # lower limits in minutes: under 120, 120–299, 300 and more
NO_GROUP = "No condition group"
NONE_RECORDED = "No minutes recorded"
OBSERVATIONAL = (
    "Patients chose, and were chosen for, their care, so these rates describe what happened; they do not prove "
    "that one technique, practitioner or dose works better than another."
)


@dataclass(frozen=True)
class Row:
    """One cell: n episodes with a baseline and a follow-up, the responders among them, the rate and its 95 %
    Wilson interval (None when suppressed: fewer than stats.MIN_N episodes), and the medians."""

    label: str
    n: int
    responders: int
    rate: float | None
    low: float | None
    high: float | None
    suppressed: bool
    median_change: float | None = None
    median_visits: float | None = None
    median_days: float | None = None

    @property
    def percent(self) -> str:
        return "" if self.rate is None else f"{self.rate * 100:.0f}%"

    @property
    def interval(self) -> str:
        """The 95 % Wilson interval in whole percent, e.g. 49–94%."""
        return "" if self.low is None or self.high is None else f"{self.low * 100:.0f}–{self.high * 100:.0f}%"


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    location: Location | None = None
    practitioner: Practitioner | None = None


def _measures(organization: Organization, filters: Filters) -> QuerySet[EpisodeMeasure]:
    """The scored instruments of the organization's episodes ending in the range, with a follow-up score."""
    rows = EpisodeMeasure.objects.filter(episode__organization=organization, change__isnull=False)
    if filters.start is not None:
        rows = rows.filter(episode__end_date__gte=filters.start)
    if filters.end is not None:
        rows = rows.filter(episode__end_date__lte=filters.end)
    if filters.location is not None:
        rows = rows.filter(episode__location=filters.location)
    if filters.practitioner is not None:
        rows = rows.filter(episode__practitioner=filters.practitioner)
    return rows


def _key(by: str, technique: Technique | None = None) -> Any:
    """The expression a breakdown groups by (its values become labels in _label)."""
    if by == "all":
        return Value("all")
    if by == "group":
        return F("episode__groups__id")
    if by == "technique":
        return Case(
            When(episode__total_minutes=0, then=Value(-1)),
            default=Coalesce(F("episode__dominant_technique_id"), Value(0)),
            output_field=IntegerField(),
        )
    if by == "practitioner":
        return F("episode__practitioner_id")
    if by == "payer":
        return F("episode__payer_kind")
    if by == "referral":
        return F("episode__referral_source")
    if by == "dose":
        minutes: Any = F("episode__total_minutes")
        if technique is not None:
            minutes = Coalesce(
                Subquery(
                    EpisodeTechnique.objects.filter(episode=OuterRef("episode"), technique=technique)
                    .values("episode")
                    .annotate(total=Sum("minutes"))
                    .values("total")
                ),
                Value(0),
            )
        whens = [When(Q(**{"dose__gte": lower}), then=Value(i)) for i, lower in enumerate(DOSE_BANDS)][::-1]
        return minutes, Case(*whens, default=Value(0), output_field=IntegerField())
    raise ValueError(f"Unknown breakdown {by!r}: one of {', '.join(BREAKDOWNS)}.")


def _keyed(rows: QuerySet[EpisodeMeasure], by: str, technique: Technique | None) -> QuerySet[EpisodeMeasure]:
    key = _key(by, technique)
    if by == "dose":
        minutes, band = key
        if technique is not None:
            rows = rows.filter(episode__techniques__technique=technique).distinct()
            rows = EpisodeMeasure.objects.filter(pk__in=rows.values("pk"))
        return rows.annotate(dose=minutes).annotate(k=band)
    return rows.annotate(k=key)


@dataclass
class _Cells:
    """Counts and medians of one breakdown, by (instrument, key)."""

    counts: dict[tuple[str, Any], tuple[int, int]] = field(default_factory=dict)
    mine: dict[tuple[str, Any], tuple[int, int]] = field(default_factory=dict)
    medians: dict[str, dict[tuple[str, Any], float]] = field(default_factory=lambda: defaultdict(dict))


def _middle(rows: QuerySet[EpisodeMeasure], column: str) -> dict[tuple[str, Any], float]:
    """The median of `column` in each (instrument, key) cell: one query returning each cell's middle row(s)."""
    cell = [F("instrument"), F("k")]
    ranked = (
        rows.filter(**{f"{column}__isnull": False})
        .annotate(
            rank=Window(RowNumber(), partition_by=cell, order_by=[F(column).asc(), F("id").asc()]),
            size=Window(Count("id"), partition_by=cell),
        )
        .filter(rank__gte=(F("size") + 1) / 2, rank__lte=F("size") / 2 + 1)
        .values_list("instrument", "k", column)
        .order_by()
    )
    middles: dict[tuple[str, Any], list[float]] = defaultdict(list)
    for instrument, key, value in ranked:
        middles[instrument, key].append(value)
    return {cell_key: sum(values) / len(values) for cell_key, values in middles.items()}


def _cells(
    organization: Organization,
    by: str,
    filters: Filters,
    *,
    instrument: str | None = None,
    mine: Practitioner | None = None,
    technique: Technique | None = None,
    medians: Sequence[str] = ("change",),
) -> _Cells:
    rows = _measures(organization, filters)
    if instrument is not None:
        rows = rows.filter(instrument=instrument)
    keyed = _keyed(rows, by, technique)
    counts: dict[str, Any] = {"n": Count("id"), "responders": Count("id", filter=Q(reached_mcid=True))}
    if mine is not None:
        counts["mine_n"] = Count("id", filter=Q(episode__practitioner=mine))
        counts["mine_responders"] = Count("id", filter=Q(episode__practitioner=mine, reached_mcid=True))
    cells = _Cells()
    grouped: QuerySet[Any, dict[str, Any]] = keyed.values("instrument", "k")  # type: ignore[misc]  # "k" is annotated
    for row in grouped.annotate(**counts).order_by():
        cells.counts[row["instrument"], row["k"]] = (row["n"], row["responders"])
        if mine is not None:
            cells.mine[row["instrument"], row["k"]] = (row["mine_n"], row["mine_responders"])
    for column in medians:
        cells.medians[column] = _middle(keyed, column)
    if mine is not None:
        cells.medians["mine_change"] = _middle(keyed.filter(episode__practitioner=mine), "change")
    return cells


def _labels(organization: Organization, by: str, keys: set[Any]) -> dict[Any, tuple[str, str]]:
    """Each key's (sort key, label); one query at most (the names of groups, techniques or practitioners)."""
    if by == "all":
        return {"all": ("0", "All episodes")}
    if by == "group":
        groups = ConditionGroup.objects.filter(organization=organization, pk__in=[k for k in keys if k is not None])
        found = {g.pk: (f"0-{g.position:05d}-{g.name}", g.name) for g in groups}
        return {**found, None: ("1", NO_GROUP)}
    if by == "technique":
        names = dict(Technique.objects.filter(organization=organization, pk__in=keys).values_list("pk", "name"))
        found = {pk: (f"0-{name}", name) for pk, name in names.items()}
        return {**found, 0: ("1", Episode.MIXED.capitalize()), -1: ("2", NONE_RECORDED)}
    if by == "practitioner":
        people = Practitioner.objects.filter(user__organization=organization, pk__in=keys).values_list(
            "pk", "user__first_name", "user__last_name", "user__username", "credential_suffix"
        )
        return {
            pk: (f"{last} {first}", practitioner_name(first, last, username, suffix))
            for pk, first, last, username, suffix in people
        }
    if by in ("payer", "referral"):
        kinds = {
            **dict(Payer.Kind.choices),
            **dict(ReferringProvider.Kind.choices),
            Episode.SELF_REFERRED: "Self-referred",
        }
        return {k: (str(kinds.get(k, k)), str(kinds.get(k, k))) for k in keys}
    return {i: (str(i), label) for i, label in enumerate(stats.band_labels(DOSE_BANDS))}


def _ordered(labels: dict[Any, tuple[str, str]], keys: set[Any]) -> list[tuple[Any, str]]:
    """The keys with their labels, in the breakdown's order (an unlabelled key last, under its own value)."""
    named = {key: labels.get(key, (f"9-{key}", str(key))) for key in keys}
    return [(key, named[key][1]) for key in sorted(keys, key=lambda key: named[key][0])]


def _row(label: str, counts: tuple[int, int], **medians: float | None) -> Row:
    summary = stats.responders(label, *counts)
    return Row(
        label=label,
        n=summary.n,
        responders=summary.responders,
        rate=summary.rate,
        low=summary.low,
        high=summary.high,
        suppressed=summary.suppressed,
        **{name: None if summary.suppressed else value for name, value in medians.items()},
    )


def evidence(
    organization: Organization,
    instrument_code: str,
    *,
    by: str,
    start: date | None = None,
    end: date | None = None,
    location: Location | None = None,
    practitioner: Practitioner | None = None,
    technique: Technique | None = None,
) -> list[Row]:
    """The responder rows of one instrument broken down `by` one of BREAKDOWNS, for episodes ending from `start`
    to `end` (inclusive), at a location, of a practitioner. Cells under stats.MIN_N carry n but no rate."""
    filters = Filters(start=start, end=end, location=location, practitioner=practitioner)
    medians = ("change", "visits_to_mcid", "days_to_mcid") if by == "all" else ("change",)
    cells = _cells(organization, by, filters, instrument=instrument_code, technique=technique, medians=medians)
    return _rows(organization, by, cells, instrument_code)


def _rows(organization: Organization, by: str, cells: _Cells, instrument: str) -> list[Row]:
    keys = {key for code, key in cells.counts if code == instrument}
    rows = []
    for key, label in _ordered(_labels(organization, by, keys), keys):
        cell = (instrument, key)
        rows.append(
            _row(
                label,
                cells.counts[cell],
                median_change=cells.medians["change"].get(cell),
                median_visits=cells.medians.get("visits_to_mcid", {}).get(cell),
                median_days=cells.medians.get("days_to_mcid", {}).get(cell),
            )
        )
    return rows


@dataclass(frozen=True)
class Line:
    """A table line of the page: the clinic's cell, and beside it the practitioner's own (None for an admin)."""

    clinic: Row
    you: Row | None = None


@dataclass
class Section:
    code: str
    name: str
    higher_is_better: bool
    mcid: float
    unit: str
    overall: Line
    tables: list[tuple[str, str, list[Line]]]  # (breakdown code, title, lines)

    @property
    def charts(self) -> list[tuple[str, str]]:
        """The pictures of the responder rates: by condition group and by dominant technique, each with the clinic's
        overall rate, as (alt text, SVG data URI). Suppressed cells are left out (the tables beside say why); a
        breakdown with no cell that may be shown gets no picture."""
        pictures = []
        for by, what in (("group", "condition group"), ("technique", "dominant technique")):
            lines = [self.overall, *next((lines for b, _, lines in self.tables if b == by), [])]
            rows = [
                (line.clinic.label, line.clinic.rate, line.clinic.low, line.clinic.high)
                for line in lines
                if line.clinic.rate is not None and line.clinic.low is not None and line.clinic.high is not None
            ]
            if len(rows) < 2:  # the clinic's rate alone is in the figures below
                continue
            title = f"{self.name} by {what}: share of episodes reaching the MCID, with 95% intervals"
            alt = f"Responder rates of {self.name}, all episodes and by {what}, with 95% intervals."
            pictures.append(
                (
                    alt + " The tables below give the same figures.",
                    charts.data_uri(charts.rate_chart(rows, title=title)),
                )
            )
        return pictures


def sections(
    organization: Organization,
    filters: Filters,
    *,
    mine: Practitioner | None,
    show_practitioners: bool,
    technique: Technique | None = None,
) -> list[Section]:
    """Every instrument with at least one counted episode, its overall line and its breakdowns: a fixed number of
    queries (each breakdown one count and one median query over all instruments, a few name look-ups)."""
    overall = _cells(organization, "all", filters, mine=mine, medians=("change", "visits_to_mcid", "days_to_mcid"))
    found = sorted(
        {code for code, _ in overall.counts}, key=lambda c: list(INSTRUMENTS).index(c) if c in INSTRUMENTS else 99
    )
    breakdowns = [b for b in BREAKDOWNS if b != "all" and (b != "practitioner" or show_practitioners)]
    tables = (
        {by: _cells(organization, by, filters, mine=mine, technique=technique) for by in breakdowns} if found else {}
    )
    labels = {by: _labels(organization, by, {key for _, key in cells.counts}) for by, cells in tables.items()}
    result = []
    for code in found:
        inst = INSTRUMENTS.get(code)
        lines = []
        for by, cells in tables.items():
            keys = {k for c, k in cells.counts if c == code}
            lines.append(
                (
                    by,
                    BREAKDOWNS[by],
                    [_line(cells, code, key, label, mine) for key, label in _ordered(labels[by], keys)],
                )
            )
        result.append(
            Section(
                code=code,
                name=inst.name if inst else code,
                higher_is_better=inst.higher_is_better if inst else True,
                mcid=inst.mcid if inst else 0,
                unit=inst.unit if inst else "",
                overall=_line(overall, code, "all", "All episodes", mine),
                tables=lines,
            )
        )
    return result


def _line(cells: _Cells, code: str, key: Any, label: str, mine: Practitioner | None) -> Line:
    cell = (code, key)
    clinic = _row(
        label,
        cells.counts[cell],
        median_change=cells.medians["change"].get(cell),
        median_visits=cells.medians.get("visits_to_mcid", {}).get(cell),
        median_days=cells.medians.get("days_to_mcid", {}).get(cell),
    )
    if mine is None:
        return Line(clinic)
    return Line(clinic, _row(label, cells.mine.get(cell, (0, 0)), median_change=cells.medians["mine_change"].get(cell)))


class _Choice(forms.ModelChoiceField):
    """A choice by public id: a malformed one is "not one of the choices", like an unknown one."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class FilterForm(StyledForm):
    start = forms.DateField(
        required=False, label="Episodes ending from", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(required=False, label="to", widget=forms.DateInput(attrs={"type": "date"}))
    location = _Choice(Location.objects.none(), required=False, to_field_name="public_id", empty_label="All locations")
    practitioner = _Choice(
        Practitioner.objects.none(), required=False, to_field_name="public_id", empty_label="All practitioners"
    )
    technique = _Choice(
        Technique.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="All techniques",
        label="Dose of technique",
    )

    def __init__(self, *args: Any, organization: Organization, own_only: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["location"].queryset = Location.objects.filter(organization=organization)
        fields["technique"].queryset = Technique.objects.filter(organization=organization)
        if not own_only:
            fields["practitioner"].queryset = Practitioner.objects.filter(
                user__organization=organization
            ).select_related("user")
        else:  # a practitioner sees their own results beside the clinic's, and no colleague's
            del fields["practitioner"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                "The start date is after the end date: swap them to see episodes ending between them."
            )
        return data


def _param(value: Any) -> str:
    """A cleaned filter value as the snapshot's key writes it (and FilterForm reads it back)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Technique):
        return value.code
    return str(value.public_id)


def build(organization: Organization, params: QueryDict) -> str:
    """The page's figures under a filter, rendered (snapshots.compute). `viewer` is "admin" (the whole clinic, by
    practitioner too), a practitioner's public id (their own results beside the clinic's), or absent (the
    clinic's alone)."""
    viewer = params.get("viewer", "")
    is_admin = viewer == "admin"
    own = (
        Practitioner.objects.filter(user__organization=organization, public_id=viewer).first()
        if viewer and not is_admin
        else None
    )
    form = FilterForm(params, organization=organization, own_only=not is_admin)
    data = form.cleaned_data if form.is_valid() else {}
    filters = Filters(
        start=data.get("start"),
        end=data.get("end"),
        location=data.get("location"),
        practitioner=data.get("practitioner") if is_admin else None,
    )
    technique = data.get("technique")
    context = {
        "sections": sections(organization, filters, mine=own, show_practitioners=is_admin, technique=technique),
        "mine": own,
        "technique": technique,
        "min_n": stats.MIN_N,
        "filtered": any(data.values()),
        "sides": ("you", "clinic") if own else ("clinic",),
    }
    return render_to_string("analytics/_outcomes_figures.html", context)


@staff_view(roles.VIEW_OUTCOMES)
@require_GET
def outcomes(request: ClinicRequest) -> HttpResponse:
    organization = request.organization
    is_admin = request.user.has_perm(roles.MANAGE_STAFF)
    own = None if is_admin else Practitioner.objects.filter(user=request.user).first()
    if not is_admin and "practitioner" in request.GET:
        messages.error(request, "You see your own results beside the clinic's; a colleague's are not shown to you.")
    form = FilterForm(request.GET or None, organization=organization, own_only=not is_admin)
    snapshot = None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        params = {name: _param(data.get(name)) for name in form.fields}
        params["viewer"] = "admin" if is_admin else _param(own)
        snapshot = snapshots.ready(organization, "outcomes", params)
    audit.record(
        actor=request.user,
        action=AuditAction.OUTCOMES_VIEWED,
        target=organization,
        detail={k: str(v) for k, v in (form.cleaned_data.items() if form.is_bound and form.is_valid() else []) if v},
    )
    context = {
        "form": form,
        "snapshot": snapshot,
        "mine": own,
        "can_edit_groups": request.user.has_perm(roles.CHANGE_CONDITION_GROUP),
        "min_n": stats.MIN_N,
        "observational": OBSERVATIONAL,
        "max_minutes": snapshots.MAX_MINUTES,
    }
    return render(request, "analytics/outcomes.html", context)
