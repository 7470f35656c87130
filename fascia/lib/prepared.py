"""A query compiled to SQL once and run again with other values: for the queries pages make on every view.

Django builds and compiles a QuerySet to SQL each time it runs; for the small queries a page makes,
that costs several times what running them does (the signed-in user, read on every request: about
1.5 ms to compile, 0.3 ms to run, on SQLite as on PostgreSQL; the chart's twenty queries: 29 -> 16 ms
for the page once most were compiled once). And unprepared(), for the few queries whose best plan
depends on their values.
"""

import itertools
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

M = TypeVar("M", bound=Model)

# A compiler is bound to a database connection, and Django gives each thread its own connections.
_compiled = threading.local()
_keys = itertools.count()
# Every query made, for warm_up(): the application's are module constants, a test's are dropped with it.
_made: "weakref.WeakSet[PreparedQuery]" = weakref.WeakSet()


@dataclass
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    slots: list[tuple[int, int, Callable[[Any], Any]]]  # (place among the params, which value, how it is sent)
    # How django.db.models.query.ModelIterable builds a row's instance, worked out once; or, for a values()
    # query, the names of its columns (ValuesIterable's).
    start: int
    end: int
    names: list[str]
    populators: list[Any]
    columns: list[str] | None


class PreparedQuery(Generic[M]):
    """`build(*values)` is the QuerySet; `first(*values)` runs it, compiled once per database connection, and
    gives its first row's model instance (with what select_related and annotate add) or None; `all(*values)`
    gives every row's (slice the QuerySet in `build` to bound them). A values() QuerySet gives dicts, as it
    does when iterated.

    Each value must be a bound parameter of the query: a lookup's right-hand side, such as pk=value (one
    value may fill several lookups). `kinds` names each value's type: int (the default: one id), date,
    datetime, or UUID (a public id: a UUID or its text, malformed text raising ValueError). Fascia has one
    database, so the query runs on the default one. prefetch_related is not applied (only what the compiled
    SQL itself reads), and values_list() is refused (a TypeError)."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, kinds: tuple[type, ...] = (int,)) -> None:
        self.build = build
        self.kinds = kinds
        # Its compiled SQL's key: not id(self), which a query made and dropped (in a test) hands on to the next.
        self.key = next(_keys)
        _made.add(self)

    def first(self, *values: Any) -> M | None:
        instances = self._run(values, first=True)
        return instances[0] if instances else None

    def all(self, *values: Any) -> list[M]:
        return self._run(values, first=False)

    def _run(self, values: tuple[Any, ...], *, first: bool) -> list[M]:
        c = self._compiled(first)
        values = tuple(UUID(str(v)) if kind is UUID else v for kind, v in zip(self.kinds, values, strict=True))
        params = list(c.params)
        for place, which, send in c.slots:
            params[place] = send(values[which])
        with c.compiler.connection.cursor() as cursor:
            cursor.execute(c.sql, params)
            rows = [cursor.fetchone()] if first else cursor.fetchall()
        if rows == [None]:
            return []
        if c.columns is not None:
            return [dict(zip(c.columns, row, strict=True)) for row in c.compiler.results_iter([rows])]
        model = c.compiler.klass_info["model"]
        instances = []
        for row in c.compiler.results_iter([rows]):  # the fields' converters (SQLite's dates, UUIDs, booleans)
            instance = model.from_db(DEFAULT_DB_ALIAS, c.names, row[c.start : c.end])
            for populator in c.populators:
                populator.populate(row, instance)
            for name, index in c.compiler.annotation_col_map.items():
                setattr(instance, name, row[index])
            instances.append(instance)
        return instances

    def _compiled(self, first: bool) -> _Compiled:
        connection = connections[DEFAULT_DB_ALIAS]
        cache = _compiled.__dict__.setdefault("queries", {})
        compiled = cache.get((self.key, first))
        if compiled is None or compiled.compiler.connection is not connection:
            # Values no query is built with otherwise, so their places among the compiled parameters are found.
            placeholders = [_PLACEHOLDERS[kind](i) for i, kind in enumerate(self.kinds)]
            queryset = self.build(*placeholders)
            compiler = (queryset[:1] if first else queryset).query.get_compiler(DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            slots = []
            for which, (kind, placeholder) in enumerate(zip(self.kinds, placeholders, strict=True)):
                send = _sent_as(kind, compiler.connection)
                places = [i for i, param in enumerate(params) if param == send(placeholder)]
                if not places:
                    raise ValueError(f"Value {which} ({kind.__name__}) is not a parameter of the query.")
                slots += [(place, which, send) for place in places]
            select, klass_info, query = compiler.select, compiler.klass_info, compiler.query
            if queryset._iterable_class is ValuesIterable:  # values(): the columns named as ValuesIterable does
                columns = list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select])
                start, end, names, populators = 0, 0, [], []
            elif queryset._iterable_class is ModelIterable:
                columns = None
                start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
                names = [column[0].target.attname for column in select[start:end]]
                populators = get_related_populators(klass_info, select, DEFAULT_DB_ALIAS)
            else:
                raise TypeError("A prepared query gives model instances, or dicts (values()).")
            compiled = cache[(self.key, first)] = _Compiled(
                compiler=compiler,
                sql=sql,
                params=tuple(params),
                slots=slots,
                start=start,
                end=end,
                names=names,
                populators=populators,
                columns=columns,
            )
        return compiled


def warm_up() -> None:
    """Compile every prepared query, both ways (first and all), on this thread's connection, and have
    PostgreSQL plan each (EXPLAIN: nothing is read or locked), so its session has read the tables'
    catalog entries and statistics: what a worker's first request of each page paid otherwise."""
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():  # a select_for_update query is compiled inside a transaction only
        for query in list(_made):
            for first in (True, False):
                compiled = query._compiled(first)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:  # the placeholders it was compiled with: no row matches
                        cursor.execute("EXPLAIN " + compiled.sql, compiled.params)
                        cursor.fetchall()


def first_in_organization(
    query: PreparedQuery[M],
    public_id: UUID | str,
    organization_id: int,
    *,
    organization_of: Callable[[M], int],
    missing: str,
) -> M:
    """The record a public id names (`query`: one UUID value) if it belongs to the organization, else 404 with
    `missing`: never another clinic's record, and a malformed id is no record either."""
    try:
        record = query.first(public_id)
    except ValueError as e:
        raise Http404(missing) from e
    if record is None or organization_of(record) != organization_id:
        raise Http404(missing)
    return record


_PLACEHOLDERS: dict[type, Callable[[int], Any]] = {
    int: lambda i: -7_250_913_466 - i,
    date: lambda i: date(1111, 1, 1 + i),
    datetime: lambda i: datetime(1111, 1, 1 + i, 7, 25, 9, tzinfo=UTC),
    UUID: lambda i: UUID(int=0x7250913A46604000_8000_7250913A4660 + i),
}


def _sent_as(kind: type, connection: Any) -> Callable[[Any], Any]:
    """How Django sends a value of this kind to the database: as it is, or adapted (SQLite takes dates and
    times as text, and a UUID as its hex digits)."""
    if kind is date:
        return connection.ops.adapt_datefield_value
    if kind is datetime:
        return connection.ops.adapt_datetimefield_value
    if kind is UUID and not connection.features.has_native_uuid_field:
        return lambda value: value.hex
    return lambda value: value


@contextmanager
def unprepared() -> Iterator[None]:
    """Queries run inside are sent with their values and planned by PostgreSQL for those values: psycopg
    neither prepares them nor runs them as statements it prepared before.

    For a query whose best plan depends on its values. A prepared statement is planned without them
    after a few runs (PostgreSQL's generic plan), and a generic plan for the patient search (`LIKE $1`)
    walks the name index through all 50,000 patients of the ten-year clinic to find one MRN (49 ms,
    0.1 ms when planned for the term), or reads the whole trigram index for two letters (110 ms, 16 ms
    as a scan)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    threshold, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


class UnpreparedQuerySet(QuerySet[M]):
    """A QuerySet whose rows and count are read unprepared(), wherever it is evaluated (a view, a template,
    the API's pagination)."""

    def _fetch_all(self) -> None:
        with unprepared():
            super()._fetch_all()

    def count(self) -> int:
        with unprepared():
            return super().count()
