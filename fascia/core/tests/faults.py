"""Kill the app in the middle of a write and look at what it left: the fault tests' harness.

`app_server` (a pytest fixture, loaded from fascia/conftest.py) runs the real app under
gunicorn, one sync worker, against the test database, on a socket the test bound on
127.0.0.1. Tests that use it need `@pytest.mark.django_db(transaction=True)`, so what they set
up is committed and the app process sees it. A request or a command can carry a `KillAt`:
the worker SIGKILLs itself at that point (faults_app.py does it), and gunicorn's master starts
a fresh worker for the next request, as it would in production.

    browser = app_server.browser(tess)
    browser.post_killed(sign_url, {}, kill_at=KillAt(sql=r'^INSERT INTO "records_seal"'))
    # … then look at the database: the note is whole or untouched.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from fascia.conftest import login
from fascia.core.models import User

# Django's commit of the outermost atomic block (not an SQL statement, so `call`, not `sql`).
COMMIT = "django.db.backends.base.base:BaseDatabaseWrapper.commit"


@dataclass(frozen=True)
class KillAt:
    """Where the app process dies: at the nth SQL statement matching the `sql` regex, or the nth
    call of the `call` function ("module:Class.method"); before it runs, or just `after`."""

    sql: str = ""
    call: str = ""
    nth: int = 1
    after: bool = False

    def header(self) -> str:
        return json.dumps(asdict(self))


def after_commit(nth: int = 1) -> KillAt:
    """Just after the nth transaction commits, before anything else (the response, a file)."""
    return KillAt(call=COMMIT, nth=nth, after=True)


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str


class AppServer:
    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.fault_log = folder / "kills.jsonl"
        self.server_log = folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        # The test binds the socket and hands it over, so the port is known and free, and
        # requests made while gunicorn still imports the app wait in the backlog.
        listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.port = listener.getsockname()[1]
        env = {
            **os.environ,
            "FASCIA_DATABASE_URL": self.database_url,
            "FASCIA_DEBUG": "True",
            "FASCIA_SECRET_KEY": settings.SECRET_KEY,  # the test's sessions must verify
            "FAULT_TESTS_LOG": str(self.fault_log),
            "FASCIA_ALLOWED_HOSTS": "127.0.0.1",
        }
        env.pop("FASCIA_SECRET_KEY_FILE", None)
        env.pop("GUNICORN_CMD_ARGS", None)
        with self.server_log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--preload",
                    "--workers=1",
                    f"--bind=fd://{listener.fileno()}",
                    "--timeout=60",
                    "--log-level=warning",
                    "--no-control-socket",  # else every gunicorn shares one in ~/.gunicorn
                    "fascia.core.tests.faults_app:application",
                ],
                env=env,
                cwd=self.folder,  # where no gunicorn.conf.py is read
                pass_fds=[listener.fileno()],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for stop()
            )
        listener.close()  # gunicorn holds it now: if gunicorn dies, requests are refused, not left waiting

    def stop(self) -> None:
        if self.process is None:
            return
        # Master and worker at once: a graceful stop spends seconds in the worker's interpreter
        # shutdown, and an idle worker has nothing to finish.
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def log(self) -> str:
        return self.server_log.read_text(errors="replace")[-3000:] if self.server_log.exists() else ""

    def kills(self) -> list[dict]:
        if not self.fault_log.exists():
            return []
        return [json.loads(line) for line in self.fault_log.read_text().splitlines()]

    def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Response | None:
        """One HTTP request; None when the connection dropped without an answer."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            r = conn.getresponse()
            return Response(r.status, r.headers, r.read().decode())
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            return None
        except ConnectionRefusedError:
            raise AssertionError(f"The app is not running:\n{self.log()}") from None
        finally:
            conn.close()

    def browser(self, user: User) -> "Browser":
        """A browser signed in as `user` (with the second factor done when the role needs one)."""
        client = Client()
        login(client, user)
        return Browser(self, {"sessionid": client.cookies["sessionid"].value})

    def command(self, *argv: str, kill_at: KillAt | None = None) -> dict | None:
        """Run a management command in the app process: its result, or None if the process died."""
        headers = {"Content-Type": "application/json"}
        if kill_at is not None:
            headers["X-Fascia-Fault"] = kill_at.header()
        r = self.request("POST", "/_faults/command", body=json.dumps({"argv": argv}).encode(), headers=headers)
        if r is None:
            return None
        assert r.status == 200, f"{r.status} {r.text[:500]}\n{self.log()}"
        return json.loads(r.text)

    def command_killed(self, *argv: str, kill_at: KillAt) -> None:
        count = len(self.kills())
        self.check_killed(self.command(*argv, kill_at=kill_at), kill_at, count)

    def check_killed(self, result: object, kill_at: KillAt, count: int) -> None:
        """`result` must be no answer, because the process died at `kill_at`: a kill point the
        code no longer passes fails the test rather than passing it unnoticed."""
        kills = self.kills()
        assert result is None, f"The app answered instead of dying at {kill_at}: {result}\n{self.log()}"
        assert len(kills) == count + 1, f"The process died, but not at a kill point:\n{self.log()}"
        assert kills[-1]["spec"] == asdict(kill_at)
        if connection.vendor == "sqlite":  # the write-ahead log took the blow: the file is sound
            with connection.cursor() as cursor:
                assert cursor.execute("PRAGMA journal_mode").fetchone() == ("wal",)
                assert cursor.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


class Browser:
    """Cookies, the CSRF token from each page, and no redirects followed."""

    def __init__(self, server: AppServer, cookies: dict[str, str]) -> None:
        self.server = server
        self.cookies = cookies
        self.csrf_token = ""

    def _send(self, method: str, path: str, data: dict | None, kill_at: KillAt | None) -> Response | None:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = b""
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({**data, "csrfmiddlewaretoken": self.csrf_token}, doseq=True).encode()
        if kill_at is not None:
            headers["X-Fascia-Fault"] = kill_at.header()
        r = self.server.request(method, path, body=body, headers=headers)
        if r is not None:
            for line in r.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(line).items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text)
            if token:
                self.csrf_token = token.group(1)
        return r

    def get(self, path: str) -> Response:
        r = self._send("GET", path, None, None)
        assert r is not None and r.status == 200, f"GET {path}: {r and r.status}\n{self.server.log()}"
        return r

    def post(self, path: str, data: dict) -> Response:
        r = self._send("POST", path, data, None)
        assert r is not None, f"POST {path}: no answer\n{self.server.log()}"
        return r

    def post_killed(self, path: str, data: dict, *, kill_at: KillAt) -> None:
        """POST, and check that the app died at `kill_at` before it could answer."""
        count = len(self.server.kills())
        self.server.check_killed(self._send("POST", path, data, kill_at), kill_at, count)


def database_url() -> str:
    """FASCIA_DATABASE_URL for the test database this run created."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    return urlsplit(settings.DATABASE_URL)._replace(path="/" + quote(name)).geturl()


@pytest.fixture(scope="session")
def app_server(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    """The app in its own process, for the session. It is stopped before the test database is
    dropped (it depends on django_db_setup), and the drop waits for its connections to go."""
    server = AppServer(database_url(), tmp_path_factory.mktemp("app_server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with django_db_blocker.unblock():
            wait_for_other_sessions_to_end()


def wait_for_other_sessions_to_end() -> None:
    """PostgreSQL ends a killed client's session when it notices the closed socket, a moment
    later; DROP DATABASE refuses while one is left. After 5 s, what is left is ended, and waited
    for (pg_terminate_backend only signals it).

    The sessions are counted from the server's maintenance database, with this process's own
    connection to the test database closed first: counting them over that connection left it
    open, and it was the "1 other session" the drop found at the end of every CI run on PostgreSQL.
    """
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    others = "FROM pg_stat_activity WHERE datname = %s"
    with connection.creation._nodb_cursor() as cursor:
        for attempt in range(200):
            cursor.execute(f"SELECT count(*) {others}", [name])
            if cursor.fetchone()[0] == 0:
                return
            if attempt == 100:
                cursor.execute(f"SELECT pg_terminate_backend(pid) {others}", [name])
            time.sleep(0.05)
