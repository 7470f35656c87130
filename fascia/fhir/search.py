"""FHIR search (https://hl7.org/fhir/R4/search.html), the part this server does: each resource names its
parameters (Param), which the CapabilityStatement lists too, so the two cannot disagree. A parameter repeated is
AND, values separated by commas are OR; a string matches the start of the value, case-insensitively (`:exact` and
`:contains` as FHIR defines them); a date takes the prefixes eq, ne, gt, lt, ge, le at the precision given. An
unknown parameter or modifier, or a value that cannot be read, answers 400 with an OperationOutcome naming it.
Results come in pages: `_count` a page (default 20, at most 100), `_offset` where it starts; the Bundle links the
next and previous pages."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from fascia.fhir.http import FhirError

DEFAULT_COUNT, MAX_COUNT = 20, 100
MAX_OFFSET = 1_000_000
RESULT_PARAMETERS = {"_count", "_offset"}  # not filters: how results come back
STRING_MODIFIERS = {"", "exact", "contains"}
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")
# Every row and none, as conditions that stay themselves when combined (Django drops an empty Q() from an OR,
# which would turn "any of these" into "none" when one value matches every row).
EVERY = Q(pk__isnull=False)
NONE = Q(pk__in=[])


@dataclass(frozen=True)
class Param:
    """A search parameter: its name and FHIR type (token, string, date), the SearchParameter it implements, and
    how one value narrows the rows (a Q; the modifier given, "" when none)."""

    name: str
    type: str
    definition: str
    documentation: str
    where: Callable[[str, str], Q]


def named(*params: Param) -> dict[str, Param]:
    """A resource's search parameters by name, in the order given (the CapabilityStatement's)."""
    return {p.name: p for p in params}


def string(*fields: str) -> Callable[[str, str], Q]:
    """A string parameter over these fields (any may match)."""

    def where(value: str, modifier: str) -> Q:
        lookup = {"": "istartswith", "exact": "exact", "contains": "icontains"}[modifier]
        q = NONE
        for field in fields:
            q |= Q(**{f"{field}__{lookup}": value})
        return q

    return where


def token(
    field: str, *, system: Callable[[str], Q] | None = None, values: set[str] | None = None
) -> Callable[[str, str], Q]:
    """A token parameter: `[system|]code` on one field. With `system`, the rows whose codes are of the system
    given (`system|code`); with `values`, a code outside them is refused."""

    def where(value: str, modifier: str) -> Q:
        if modifier:
            raise FhirError(400, "not-supported", f"The modifier :{modifier} is not supported here.")
        given_system, bar, code = value.rpartition("|")
        if values is not None and code not in values:
            raise FhirError(400, "value", f"{code!r} is not one of {', '.join(sorted(values))}.")
        q = Q(**{field: code})
        if bar and given_system and system is not None:
            q &= system(given_system)
        return q

    return where


def coded(field: str, codes: dict[str, str]) -> Callable[[str, str], Q]:
    """A token parameter whose FHIR codes stand for stored values (`codes`: code -> value); another is refused."""

    def where(value: str, modifier: str) -> Q:
        if modifier:
            raise FhirError(400, "not-supported", f"The modifier :{modifier} is not supported here.")
        code = value.rpartition("|")[2]
        if code not in codes:
            raise ValueError(f"{code!r} is not one of {', '.join(codes)}.")
        return Q(**{field: codes[code]})

    return where


def constant(code: str) -> Callable[[str, str], Q]:
    """A token parameter every row has the same code of (a category): all rows for it, none for another."""

    def where(value: str, modifier: str) -> Q:
        if modifier:
            raise FhirError(400, "not-supported", f"The modifier :{modifier} is not supported here.")
        return EVERY if value.rpartition("|")[2] == code else NONE

    return where


def _interval(value: str) -> tuple[datetime, datetime]:
    """The instants a date search value stands for, at its precision: [start, end)."""
    tz = timezone.get_current_timezone()
    try:
        if len(value) == 4:
            start = datetime(int(value), 1, 1, tzinfo=tz)
            return start, start.replace(year=start.year + 1)
        if len(value) == 7:
            start = datetime(int(value[:4]), int(value[5:7]), 1, tzinfo=tz)
            return start, (start + timedelta(days=32)).replace(day=1)
        if len(value) == 10:
            start = datetime.combine(date.fromisoformat(value), time.min, tzinfo=tz)
            return start, start + timedelta(days=1)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if instant.tzinfo is None:
            raise ValueError("an instant needs its time zone")
        return instant, instant + timedelta(seconds=1)
    except (ValueError, OverflowError) as error:  # OverflowError: the day after 9999-12-31
        raise ValueError(
            f"{value!r} is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or an instant with its zone)"
        ) from error


def date_param(field: str, *, is_date: bool) -> Callable[[str, str], Q]:
    """A date parameter on a DateField (`is_date`) or a DateTimeField."""

    def where(value: str, modifier: str) -> Q:
        if modifier:
            raise FhirError(400, "not-supported", f"The modifier :{modifier} is not supported here.")
        prefix = value[:2] if value[:2] in PREFIXES else "eq"
        start, end = _interval(value[2:] if value[:2] in PREFIXES else value)
        low: date | datetime = start.date() if is_date else start
        high: date | datetime = end.date() if is_date else end
        q = {
            "eq": Q(**{f"{field}__gte": low, f"{field}__lt": high}),
            "ne": ~Q(**{f"{field}__gte": low, f"{field}__lt": high}),
            "gt": Q(**{f"{field}__gte": high}),
            "ge": Q(**{f"{field}__gte": low}),
            "lt": Q(**{f"{field}__lt": low}),
            "le": Q(**{f"{field}__lt": high}),
        }
        return q[prefix]

    return where


def _by_id(value: str, modifier: str) -> Q:
    try:
        return Q(public_id=UUID(value))
    except ValueError:
        return NONE  # not an id this server gives: no such record


def by_patient(value: str, modifier: str) -> Q:
    """A reference to the patient whose record a row is: `Patient/{id}` or the id alone."""
    if modifier:
        raise FhirError(400, "not-supported", f"The modifier :{modifier} is not supported here.")
    try:
        return Q(patient__public_id=UUID(value.removeprefix("Patient/")))
    except ValueError:
        return NONE


BASE_PARAM = "http://hl7.org/fhir/SearchParameter/"
US_CORE_PARAM = "http://hl7.org/fhir/us/core/SearchParameter/"
ID = Param("_id", "token", f"{BASE_PARAM}Resource-id", "The resource's id.", _by_id)
LAST_UPDATED = Param(
    "_lastUpdated",
    "date",
    f"{BASE_PARAM}Resource-lastUpdated",
    "When the record last changed, with a prefix (eq, ne, gt, lt, ge, le).",
    date_param("updated_at", is_date=False),
)


def _int(request: HttpRequest, name: str, default: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > high:  # not ² or ٣, which int() refuses
        raise FhirError(400, "value", f"{name} must be a whole number from 0 to {high}.", name)
    return int(raw)


def narrow(rows: QuerySet[Any], params: dict[str, Param], request: HttpRequest) -> QuerySet[Any]:
    """The rows the request's search parameters select, or FhirError for one this server does not support."""
    for key in request.GET:
        name, _, modifier = key.partition(":")
        if name in RESULT_PARAMETERS and not modifier:
            continue
        param = params.get(name)
        if param is None:
            raise FhirError(400, "not-supported", f"The search parameter {name} is not supported.", key)
        if modifier and (param.type != "string" or modifier not in STRING_MODIFIERS):
            raise FhirError(400, "not-supported", f"The modifier :{modifier} is not supported on {name}.", key)
        for values in request.GET.getlist(key):
            either = NONE
            for value in values.split(","):
                if not value or "\x00" in value:
                    raise FhirError(400, "value", f"{key} needs a value.", key)
                try:
                    either |= param.where(value, modifier)
                except ValueError as error:
                    raise FhirError(400, "value", str(error), key) from error
            rows = rows.filter(either)
    return rows


def bundle(
    request: HttpRequest, rows: QuerySet[Model], to_resource: Callable[[Any], Any], resource_type: str
) -> Bundle:
    """One page of the rows as a searchset Bundle: its total, the page's entries, and links to self, next and
    previous pages. Two queries: the count and the page."""
    count = _int(request, "_count", DEFAULT_COUNT, MAX_COUNT)
    offset = _int(request, "_offset", 0, MAX_OFFSET)
    total = rows.count()
    page = list(rows[offset : offset + count]) if count else []
    base = request.build_absolute_uri(request.path)
    kept = [(k, v) for k, values in request.GET.lists() if k != "_offset" for v in values]

    def link(relation: str, at: int) -> dict[str, str]:
        return {"relation": relation, "url": f"{base}?{urlencode([*kept, ('_offset', str(at))])}"}

    links = [link("self", offset)]
    if count and offset + count < total:
        links.append(link("next", offset + count))
    if count and offset > 0:
        links.append(link("previous", max(0, offset - count)))
    root = base.rsplit("/", 1)[0]
    entries = [
        {"fullUrl": f"{root}/{resource_type}/{r.id}", "resource": r, "search": {"mode": "match"}}
        for r in (to_resource(row) for row in page)
    ]
    return Bundle.model_validate(
        {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries or None}
    )
