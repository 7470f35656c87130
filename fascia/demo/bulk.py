"""Writing many rows fast: `COPY … FROM STDIN` on PostgreSQL, `executemany` on SQLite.

Rows are dicts by column (attname) with their Python values, as a model instance read back from
the database would hold them; the writer fills each model's field defaults, gives each row the
next id, and converts values for the database only when it writes them. Foreign keys are checked
at commit (Django declares them deferred), so a child may be written before its parent within one
transaction. Callers run inside `transaction.atomic()`.
"""

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from types import MappingProxyType
from typing import Any

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import Max

BATCH = 5000


@contextmanager
def loading(models_: list[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, set aside the tables' indexes and unique, exclusion and foreign-key constraints
    (primary keys and checks stay) while rows are copied in, then build them again: one pass over
    each table instead of an index update and a deferred trigger per row. Building them checks
    every row as the constraints would have. Run inside the loading transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # check what is pending: tables with pending checks cannot change
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'x', 'f') ORDER BY contype = 'f', conname",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype <> 'f')",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _ in reversed(constraints):  # foreign keys first
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


Row = Mapping[str, Any]  # a row as added: its values by column, read-only


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))


class _Table:
    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.attname for f in self.fields]
        self.pk = model._meta.pk.attname
        self.defaults: dict[str, Any] = {}
        self.factories: dict[str, Callable[[], Any]] = {}
        for f in self.fields:
            if f.has_default() and callable(f.default):
                self.factories[f.attname] = f.default
            else:
                self.defaults[f.attname] = None if f.primary_key else f.get_default()  # "" for text
        self.next_id = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.rows: list[dict] = []
        self.written = 0
        self.convert: list[Callable[[Any], Any] | None]
        if connection.vendor == "postgresql":
            self.convert = [_json if isinstance(f, models.JSONField) else None for f in self.fields]
        else:
            self.convert = [partial(f.get_db_prep_value, connection=connection, prepared=False) for f in self.fields]


class BulkWriter:
    """Buffers rows per model and writes them in batches."""

    def __init__(self) -> None:
        self._tables: dict[type, _Table] = {}

    def _table(self, model: type[models.Model]) -> _Table:
        table = self._tables.get(model)
        if table is None:
            table = self._tables[model] = _Table(model)
        return table

    def add(self, model: type[models.Model], **values: Any) -> Row:
        """A new row with the model's defaults under `values` and the next id (or `id=` reserved
        earlier); returned read-only so the caller can refer to it (its id) and hash it (its values)
        but not change it: it may already be written."""
        table = self._table(model)
        row = {**table.defaults, **values}
        for name, factory in table.factories.items():
            if name not in values:
                row[name] = factory()
        if row[table.pk] is None:
            row[table.pk] = table.next_id
            table.next_id += 1
        if "updated_at" in row and row["updated_at"] is None:
            row["updated_at"] = row.get("created_at")
        table.rows.append(row)
        if len(table.rows) >= BATCH:
            self._write(table)
        return MappingProxyType(row)

    def reserve(self, model: type[models.Model]) -> int:
        """An id for a row added later (`add(model, id=…)`), so others can refer to it first."""
        table = self._table(model)
        table.next_id += 1
        return table.next_id - 1

    def counts(self) -> dict[str, int]:
        return {t.model._meta.label: t.written + len(t.rows) for t in self._tables.values()}

    def flush(self) -> None:
        for table in self._tables.values():
            self._write(table)

    def finish(self) -> None:
        """Write what is left and move each table's id sequence past the ids given here."""
        self.flush()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in self._tables.values()]):
                cursor.execute(sql)

    def _write(self, table: _Table) -> None:
        if not table.rows:
            return
        rows = [[row[c] for c in table.columns] for row in table.rows]
        for i, convert in enumerate(table.convert):
            if convert is not None:
                for values in rows:
                    if values[i] is not None or connection.vendor != "postgresql":
                        values[i] = convert(values[i])
        name = connection.ops.quote_name(table.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row(values)
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)
        table.written += len(rows)
        table.rows.clear()
