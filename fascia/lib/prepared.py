"""A query compiled to SQL once and run again with another value: for the queries pages make on every view.

Django builds and compiles a QuerySet to SQL each time it runs; for the small queries a page makes,
that costs several times what running them does (the signed-in user, read on every request: about
1.5 ms to compile, 0.3 ms to run, on SQLite as on PostgreSQL; the chart's twenty queries: 29 -> 16 ms
for the page once most were compiled once). And unprepared(), for the few queries whose best plan
depends on their values.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)

# A compiler is bound to a database connection, and Django gives each thread its own connections.
_compiled = threading.local()


@dataclass
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    position: int  # of the value among the params
    uuid_as_text: bool  # the database takes a UUID as its hex digits (SQLite)
    # How django.db.models.query.ModelIterable builds a row's instance, worked out once.
    start: int
    end: int
    names: list[str]
    populators: list[Any]


class PreparedQuery(Generic[M]):
    """`build(value)` is the QuerySet; `first(value)` runs it, compiled once per database connection, and
    gives its first row's model instance (with what select_related and annotate add) or None; `all(value)`
    gives every row's (slice the QuerySet in `build` to bound them).

    The value must be one bound parameter of the query: a lookup's right-hand side, such as pk=value, or
    with `by_uuid` public_id=value (a UUID, or its text: malformed text raises ValueError). Fascia has one
    database, so the query runs on the default one. Neither prefetch_related nor values() is applied: only
    what the compiled SQL itself reads."""

    # Values no query is built with otherwise, so their place among the compiled parameters is found.
    PLACEHOLDER = -7_250_913_466
    UUID_PLACEHOLDER = UUID("7250913a-4660-4000-8000-7250913a4660")

    def __init__(self, build: Callable[[Any], QuerySet[M]], *, by_uuid: bool = False) -> None:
        self.build = build
        self.by_uuid = by_uuid

    def first(self, value: Any) -> M | None:
        instances = self._run(value, first=True)
        return instances[0] if instances else None

    def all(self, value: Any) -> list[M]:
        return self._run(value, first=False)

    def _run(self, value: Any, *, first: bool) -> list[M]:
        c = self._compiled(first)
        params = list(c.params)
        if self.by_uuid:
            value = UUID(str(value))
            value = value.hex if c.uuid_as_text else value  # as Django sends a UUID to SQLite
        params[c.position] = value
        with c.compiler.connection.cursor() as cursor:
            cursor.execute(c.sql, params)
            rows = [cursor.fetchone()] if first else cursor.fetchall()
        if rows == [None]:
            return []
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
        compiled = cache.get((id(self), first))
        if compiled is None or compiled.compiler.connection is not connection:
            placeholder = self.UUID_PLACEHOLDER if self.by_uuid else self.PLACEHOLDER
            queryset = self.build(placeholder)
            compiler = (queryset[:1] if first else queryset).query.get_compiler(DEFAULT_DB_ALIAS)
            sql, params = compiler.as_sql()
            given = [placeholder, self.UUID_PLACEHOLDER.hex] if self.by_uuid else [placeholder]
            position = next(i for i, param in enumerate(params) if param in given)
            select, klass_info = compiler.select, compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            compiled = cache[(id(self), first)] = _Compiled(
                compiler=compiler,
                sql=sql,
                params=tuple(params),
                position=position,
                uuid_as_text=isinstance(params[position], str),
                start=start,
                end=end,
                names=[column[0].target.attname for column in select[start:end]],
                populators=get_related_populators(klass_info, select, DEFAULT_DB_ALIAS),
            )
        return compiled


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
