"""Backup and restore of the whole practice: the database and the stored documents, in one file.

The archive (tar.gz) holds `database` (a SQLite copy made by `VACUUM INTO`, or a PostgreSQL
custom-format dump), `media/` (FASCIA_MEDIA_ROOT), what the apps `include` (`records-head/`: each
organization's signed chain head, for `fascia verify_records --head`) and `manifest.json`: the row count and a SHA-256
checksum of every table, taken from the very snapshot that was saved. Both are consistent while the
app runs: `VACUUM INTO` copies one committed state; on PostgreSQL the checksums are computed in a
repeatable-read transaction whose snapshot pg_dump is given.

Restoring replaces the database and the documents, then recomputes every checksum and compares
them with the manifest. Stop the app before restoring.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import Organization

FORMAT = 1

# Files the apps add to every backup, beside the database (`include`): name -> their contents by file name.
_EXTRAS: dict[str, Callable[[], Mapping[str, str]]] = {}


def include(folder: str, files: Callable[[], Mapping[str, str]]) -> None:
    """Add `files()` (text by file name) to every backup, under `folder/`, taken just before the database is
    copied (the records app's signed chain heads: the copy then holds at least what they vouch for)."""
    _EXTRAS[folder] = files


class BackupError(Exception):
    pass


def _tables() -> list[str]:
    return sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.managed})


def checksums() -> dict[str, dict]:
    """Row count and SHA-256 of each table, rows in primary-key order, as stored now."""
    if _is_sqlite():  # read raw, without the type conversions Django's SQLite connection applies
        with closing(sqlite3.connect(connection.settings_dict["NAME"])) as db:
            return _sqlite_checksums(db)
    result = {}
    with connection.cursor() as cursor:
        for table in _tables():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # noqa: S608 - table names come from the models
            digest, count = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr(tuple(_plain(v) for v in row)).encode())
                count += 1
            result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def _plain(value: object) -> object:
    """The same value whatever the driver hands back (memoryview, bytes, Decimal scale …)."""
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["--host", db.get("HOST") or "localhost", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return args, env


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _dump_database(target: Path) -> dict[str, dict]:
    """Write the database to `target` and return the manifest of exactly what was written."""
    if _is_sqlite():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(target)])
        with closing(sqlite3.connect(target)) as copy:
            return _sqlite_checksums(copy)
    args, env = _pg_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        manifest = checksums()
        done = subprocess.run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                connection.settings_dict["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return manifest


def _sqlite_checksums(db: sqlite3.Connection) -> dict[str, dict]:
    result = {}
    for table in _tables():
        digest, count = hashlib.sha256(), 0
        for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1'):  # noqa: S608 - table names come from the models
            digest.update(repr(tuple(_plain(v) for v in row)).encode())
            count += 1
        result[table] = {"rows": count, "sha256": digest.hexdigest()}
    return result


def backup(path: Path) -> dict[str, dict]:
    """Write the archive to `path` (replaced only once complete); return the manifest. The archive holds every
    clinic's patients: each clinic's audit trail says it was written (by the operator, so no staff actor)."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "database"
        extras = {f"{folder}/{name}": text for folder, files in _EXTRAS.items() for name, text in files().items()}
        manifest = _dump_database(database)
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(database, arcname="database")
            for name, text in extras.items():
                _add_file(archive, name, text.encode())
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                archive.add(media, arcname="media")
            body = json.dumps({"format": FORMAT, "vendor": connection.vendor, "tables": manifest}, indent=1).encode()
            _add_file(archive, "manifest.json", body)
        partial.replace(path)
    detail = {"file": str(path), "tables": len(manifest), "rows": sum(t["rows"] for t in manifest.values())}
    audit.record_each(
        actor=None,
        action=AuditAction.BACKUP_WRITTEN,
        entries=[(organization, None, detail) for organization in Organization.objects.all()],
    )
    return manifest


def _add_file(archive: tarfile.TarFile, name: str, body: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    archive.addfile(info, io.BytesIO(body))


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = archive.extractfile("manifest.json")
            if manifest is None:  # a directory of that name
                raise KeyError("manifest.json")
            return json.load(manifest)
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as e:
        raise BackupError(f"{path} is not a Fascia backup: {e}") from None


def _extract(archive: tarfile.TarFile, into: str) -> None:
    """Unpack an archive into `into`, or refuse it, unpacking nothing, if a member would land outside it or is not
    a plain file or folder (a link, a device): what Python's "data" filter refuses, by hand on a Python 3.11 before
    3.11.4, which has no filters."""
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"This archive holds {member.name!r}, which no Fascia backup does; nothing was restored.")
    if hasattr(tarfile, "data_filter"):
        archive.extractall(into, filter="data")
    else:
        archive.extractall(into)  # every member checked above


def restore(path: Path) -> list[str]:
    """Replace the database and documents with the archive's; return the tables whose rows do not
    match the manifest afterwards (empty when the restore is verified)."""
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT or manifest.get("vendor") != connection.vendor:
        raise BackupError(
            f"This backup is of a {manifest.get('vendor')} database; this installation uses {connection.vendor}."
        )
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(path, "r:gz") as archive:
        _extract(archive, scratch)
        database = Path(scratch) / "database"
        if _is_sqlite():  # SQLite's online backup, from the copy onto the database file
            connection.close()
            with (
                closing(sqlite3.connect(database)) as source,
                closing(sqlite3.connect(connection.settings_dict["NAME"])) as live,
            ):
                source.backup(live)
        else:
            args, env = _pg_env()
            done = subprocess.run(
                [
                    "pg_restore",
                    *args,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    f"--dbname={connection.settings_dict['NAME']}",
                    str(database),
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        media = Path(settings.MEDIA_ROOT)
        if media.exists():
            shutil.rmtree(media)
        if (Path(scratch) / "media").exists():
            shutil.copytree(Path(scratch) / "media", media)
    connection.close()
    now = checksums()
    return [table for table, expected in manifest["tables"].items() if now.get(table) != expected]
