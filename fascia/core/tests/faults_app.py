"""The app as the fault tests run it: fascia.wsgi with a kill switch (test-only, never deployed).

gunicorn serves `application` from here (see faults.py). A request that carries an
`X-Fascia-Fault` header arms one kill point for that request only, as JSON:

    {"sql": "<regex>", "nth": 2, "after": true}    the 2nd SQL statement matching the regex
    {"call": "module:Class.method", "nth": 1, "after": true}    the 1st call of that function

When the point is reached (before the statement or call runs, or right after it with "after"),
the process notes it in the file named by FAULT_TESTS_LOG and sends itself SIGKILL: no
exception, no rollback, no `finally`, no atexit, as with `kill -9` or the OOM killer. (A power cut
also loses what the OS had not yet written to disk; that is not simulated here.)

POST /_faults/command runs a management command in this same process, with the request's kill
point armed: `{"argv": ["export_837", "--out", "…"]}` → `{"ok": true, "stdout": "…"}` or
`{"ok": false, "error": "…"}`. It is `call_command`, as `fascia export_837` runs it after start-up,
in a worker forked from the preloaded app rather than a fresh interpreter that spends three
seconds importing the ICD-10-CM code set for every run.
"""

import importlib
import io
import json
import os
import re
import signal
from collections.abc import Callable, Iterable
from typing import Any

from django.core.management import CommandError, call_command
from django.db.backends.signals import connection_created

from fascia.wsgi import application as django_application

HEADER = "HTTP_X_FASCIA_FAULT"
COMMAND_PATH = "/_faults/command"


class KillPoint:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.sql = re.compile(spec["sql"]) if spec.get("sql") else None
        self.call = spec.get("call") or None
        self.nth = int(spec.get("nth", 1))
        self.after = bool(spec.get("after", False))
        self.seen = 0

    def reached(self) -> bool:
        """Count one passing of the point; True on the nth."""
        self.seen += 1
        return self.seen == self.nth

    def fire(self, where: str) -> None:
        with open(os.environ["FAULT_TESTS_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps({"pid": os.getpid(), "spec": self.spec, "at": where[:300]}) + "\n")
        os.kill(os.getpid(), signal.SIGKILL)


_armed: KillPoint | None = None


def _watch_sql(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    point = _armed
    hit = point is not None and point.sql is not None and point.sql.search(sql) is not None and point.reached()
    if hit and not point.after:
        point.fire(sql)
    result = execute(sql, params, many, context)
    if hit:
        point.fire(sql)
    return result


def _watch_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _watch_sql not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_sql)


connection_created.connect(_watch_connection)


def _patch(target: str) -> Callable[[], None]:
    """Wrap the function named `module:attr.path` so that calling it passes the armed point;
    returns the undo."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        point = _armed
        hit = point is not None and point.call == target and point.reached()
        if hit and not point.after:
            point.fire(target)
        result = original(*args, **kwargs)
        if hit:
            point.fire(target)
        return result

    setattr(owner, name, watched)
    return lambda: setattr(owner, name, original)


def _run_command(environ: dict) -> dict:
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*json.loads(body)["argv"], stdout=out, stderr=err)
    except CommandError as e:
        return {"ok": False, "error": str(e), "stdout": out.getvalue()}
    return {"ok": True, "stdout": out.getvalue(), "stderr": err.getvalue()}


def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
    global _armed
    spec = json.loads(environ[HEADER]) if environ.get(HEADER) else None
    undo = _patch(spec["call"]) if spec and spec.get("call") else None
    _armed = KillPoint(spec) if spec else None
    # The server lives for the session, while each transactional test flushes the database and its content types
    # come back with new ids: a cached one (a notification's target type) would point at nothing.
    from django.contrib.contenttypes.models import ContentType  # once the app is loaded (fascia.wsgi)

    ContentType.objects.clear_cache()
    try:
        if environ.get("PATH_INFO") == COMMAND_PATH and environ.get("REQUEST_METHOD") == "POST":
            body = json.dumps(_run_command(environ)).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return django_application(environ, start_response)
    finally:
        _armed = None
        if undo is not None:
            undo()
