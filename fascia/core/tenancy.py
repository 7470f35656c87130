"""Isolation the database enforces (issue 25, point 3): on PostgreSQL every table that holds a clinic's
data has a row-level security policy keyed on the organization of the request, so a query that forgets
its organization filter finds nothing of another clinic instead of its rows.

- **Who is bound.** A signed-in request (or an API call, once its token is known) runs as the role
  `settings.DATABASE_ROLE` (`fascia_app`), which owns nothing and cannot bypass the policies, with
  `fascia.organization` set to the user's organization: `acting_for()`, entered by
  `fascia.core.middleware.TenancyMiddleware` and `fascia.api.TokenAuth`, and by tasks and commands that
  act for one clinic. Everything else runs as the connecting user, who owns the tables: migrations, the
  demo, backups, the worker's scans across clinics, and the steps before anyone is known (the login
  form, a first-run superuser setting up the installation).
- **What a policy says.** A table with an `organization` column shows the rows of the organization set;
  a table without one shows the rows whose parent (its patient, claim, note…) is shown, through the
  parent's own policy. With no organization set, the role sees nothing. Inserts and updates are checked
  the same way, so no row can be written into another clinic. The role may only add audit rows and seals
  (no UPDATE or DELETE privilege on them, besides their append-only triggers).
- **How it is kept.** `secure()` runs after every `migrate`: it creates the role if needed, grants it the
  tables, and (re)writes the policies from the models, so a new model is covered as soon as it is
  migrated; a model that holds no clinic's data must be named in EXEMPT, or migrating fails.
- **SQLite** (one clinic, embedded) has no roles: the application's own filters are the checks there.

This binds a forgotten filter; it is not a defence against SQL injection (the session user may reset the
role), which parameterized ORM queries are.
"""

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import ForeignKey, Model

SETTING = "fascia.organization"
POLICY = "fascia_organization"
ORGANIZATION = "fascia_organization()"  # the SQL function that reads SETTING (NULL when unset)

# Tables of no clinic: Django's and the libraries' own (auth's groups and permissions, content types,
# sessions, axes' sign-in log, the task queue) and shared reference data.
EXEMPT_APPS = {"auth", "contenttypes", "sessions", "axes", "django_tasks_database"}
EXEMPT = {"scheduling_appointmenttype", "measures_instrumentwording"}

_acting: ContextVar[int | None] = ContextVar("fascia_acting_for", default=None)


def _apply(organization_id: int | None) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if organization_id is None:
            cursor.execute("SELECT set_config('role', 'none', false), set_config(%s, '', false)", [SETTING])
        else:
            cursor.execute(
                "SELECT set_config('role', %s, false), set_config(%s, %s, false)",
                [settings.DATABASE_ROLE, SETTING, str(organization_id)],
            )


def switch(organization_id: int | None) -> None:
    """Act for `organization_id` (None: as the owner) until the enclosing `acting_for` ends."""
    if _acting.get() != organization_id:
        _apply(organization_id)
        _acting.set(organization_id)


@contextmanager
def acting_for(organization_id: int | None) -> Iterator[None]:
    """Run the block bound to `organization_id`'s rows (None: as the owner); restore what was before."""
    before = _acting.get()
    token = _acting.set(before)
    switch(organization_id)
    try:
        yield
    finally:
        if _acting.get() != before:
            _apply(before)
        _acting.reset(token)


def _organization_column(model: type[Model]) -> bool:
    return any(f.name == "organization" and f.concrete for f in model._meta.get_fields())


def _parent(model: type[Model], scoped: set[type[Model]]) -> ForeignKey | None:
    """The required foreign key through which `model`'s rows belong to a clinic: the patient's if it has
    one, else the first to a scoped model."""
    keys = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, ForeignKey) and not f.null and f.related_model in scoped and f.related_model is not model
    ]
    keys.sort(key=lambda f: f.name != "patient")
    return keys[0] if keys else None


def policies() -> dict[str, str]:
    """Each clinic table's policy (which rows it shows and accepts), derived from the models."""
    models = [m for m in apps.get_models(include_auto_created=True) if m._meta.app_label not in EXEMPT_APPS]
    found: dict[type[Model], str] = {}
    for model in models:
        table = model._meta.db_table
        if table == "core_organization":
            found[model] = f'"id" = {ORGANIZATION}'
        elif _organization_column(model):
            found[model] = f'"organization_id" = {ORGANIZATION}'
    while True:  # children of what is scoped, level by level
        added = False
        for model in models:
            if model in found or model._meta.db_table in EXEMPT:
                continue
            key = _parent(model, set(found))
            if key is None:
                continue
            parent = key.related_model
            assert isinstance(parent, type)
            # EXISTS with the parent's key, not IN (SELECT every id of the clinic's parents): the planner may then
            # look up each row's parent by its primary key, where IN hashed all of the clinic's parent rows for
            # every query (40 ms for one patient's claim lines among 50,000 claims: bench/README.md).
            scope = f' AND p."organization_id" = {ORGANIZATION}' if _organization_column(parent) else ""
            found[model] = (
                f'EXISTS (SELECT 1 FROM "{parent._meta.db_table}" p'
                f' WHERE p."id" = "{model._meta.db_table}"."{key.column}"{scope})'
            )
            added = True
        if not added:
            break
    missing = sorted(m._meta.db_table for m in models if m not in found and m._meta.db_table not in EXEMPT)
    if missing:
        raise ImproperlyConfigured(
            f"No row-level security for {', '.join(missing)}: give each an organization (or a required key to"
            " a table that has one), or name it in fascia.core.tenancy.EXEMPT if it holds no clinic's data."
        )
    return dict(sorted((m._meta.db_table, policy) for m, policy in found.items()))


def _statements(role: str, schema: str, append_only: list[str], tables: set[str]) -> list[str]:
    statements = [
        f"CREATE OR REPLACE FUNCTION {ORGANIZATION} RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE"
        f" AS $$ SELECT NULLIF(current_setting('{SETTING}', true), '')::bigint $$",
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{role}"',
        f'REVOKE ALL ON "django_migrations" FROM "{role}"',
    ]
    statements += [f'REVOKE UPDATE, DELETE ON "{table}" FROM "{role}"' for table in append_only]
    for table, policy in policies().items():
        if table not in tables:  # a data-migration test's earlier state
            continue
        statements += [
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'DROP POLICY IF EXISTS {POLICY} ON "{table}"',
            f'CREATE POLICY {POLICY} ON "{table}" TO "{role}" USING ({policy}) WITH CHECK ({policy})',
        ]
    return statements


def secure(using: str = "default", **kwargs: Any) -> None:
    """After `migrate` (post_migrate of fascia.core): the role, its grants and every table's policy.

    Cheap when nothing changed: the statements' digest is kept as the function's comment, so the flush
    between transactional tests costs one query."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    role = settings.DATABASE_ROLE
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", role):
        raise ImproperlyConfigured(f"FASCIA_DATABASE_ROLE must be a plain role name, not {role!r}.")
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT current_schema(), array(SELECT tgrelid::regclass::text FROM pg_trigger"
            " WHERE tgname LIKE '%%append_only' ORDER BY 1),"
            " array(SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1),"
            " (SELECT obj_description(p.oid, 'pg_proc') FROM pg_proc p WHERE p.proname = %s),"
            " (SELECT count(*) FROM pg_policies WHERE policyname LIKE %s),"
            " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)",
            [POLICY, f"{POLICY}%", role],
        )
        schema, append_only, tables, kept, in_place, role_exists = cursor.fetchone()
        statements = _statements(role, schema, [t.strip('"') for t in append_only], set(tables))
        digest = hashlib.sha256("\n".join([*statements, *tables]).encode()).hexdigest()
        # A table dropped by a migration takes its children's policies with it (DROP … CASCADE): count them.
        if kept == digest and in_place == sum(s.startswith("CREATE POLICY") for s in statements) and role_exists:
            return
        if not role_exists:
            # Roles belong to the whole server: a test database and the clinic's share it.
            cursor.execute(
                f'DO $$ BEGIN CREATE ROLE "{role}" NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$'
            )
        with transaction.atomic(using=using):
            cursor.execute(f'GRANT "{role}" TO CURRENT_USER')
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"COMMENT ON FUNCTION {ORGANIZATION} IS '{digest}'")
