"""PostgreSQL's timestamps read by psycopg's C loader, as Django reads them.

Django (5.2, with psycopg 3) loads every timestamptz with a subclass of psycopg's pure-Python loader,
so that it can set the time zone it expects: psycopg's compiled loader, which psycopg[binary] ships,
is final and cannot be subclassed (Django ticket #36960, psycopg issue #1273). Parsing in Python took
about 2.5 µs a value: 1 ms of the day schedule's 227 appointments, and every model with created_at
and updated_at pays it on every row. `read_timestamps_in_c` keeps Django's loader class, with its time
zone, and has the compiled loader parse the text.
"""

from functools import cache
from typing import Any

import psycopg
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid


def read_timestamps_in_c(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On a new PostgreSQL connection (Django's connection_created), when psycopg has its C loaders."""
    compiled = psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    if connection.vendor != "postgresql" or compiled is None or issubclass(compiled, TimestamptzLoader):
        return
    adapters = connection.connection.adapters
    adapters.register_loader(TIMESTAMPTZ, _parsed_in_c(adapters.get_loader(TIMESTAMPTZ, Format.TEXT), compiled))


@cache
def _parsed_in_c(django_loader: type, compiled: type) -> type:
    class Loader(django_loader):  # type: ignore[misc]  # Django's loader class, known only at run time
        """Django's loader (its `timezone` is what Django checks before each cursor), parsing in C."""

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self.parse = compiled(oid, context).load

        def load(self, data: Any) -> Any:
            return self.parse(data).replace(tzinfo=self.timezone)  # as Django's load() does

    return Loader
