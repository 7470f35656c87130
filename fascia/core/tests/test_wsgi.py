import gc
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.template.loader import get_template
from django.template.loaders.filesystem import Loader

from fascia.core.tests.faults import database_url, wait_for_other_sessions_to_end
from fascia.wsgi import warm_worker

PRODUCTION = {"FASCIA_DEBUG": "False", "FASCIA_SECRET_KEY": "a-secret-for-this-test-only-" * 2}


def test_the_wsgi_application_starts_with_every_view_imported_and_left_out_of_full_collections() -> None:
    """What gunicorn loads, as production runs it (DEBUG off): the views are imported before the first
    request, and what the start made is frozen (gc.freeze), so no request pays a full garbage
    collection's pass over it."""
    check = (
        "import gc, sys, fascia.wsgi; "
        "print(gc.get_freeze_count() > 100_000, all(m in sys.modules for m in "
        "('fascia.visits.views', 'fascia.billing.views', 'fascia.scheduling.views', 'fascia.patients.views')))"
    )
    production = {**os.environ, **PRODUCTION}
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, env=production)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


@pytest.mark.django_db
def test_a_warmed_worker_reads_no_template_file_for_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every template of the project and its apps is compiled before the first request (the prepared
    queries' part has its own test, in fascia/lib)."""
    try:
        warm_worker()
    finally:
        gc.unfreeze()  # the test session's objects: collected as usual

    def read(loader: Loader, origin: object) -> str:
        raise AssertionError(f"{origin} read after the warm-up")

    monkeypatch.setattr(Loader, "get_contents", read)  # the app directories' loader is one too
    for name in ("base.html", "forms/field.html", "billing/queue.html", "visits/note_form.html", "403.html"):
        assert get_template(name).template.source


@contextmanager
def gunicorn(database: str, folder: Path) -> Iterator[tuple[int, Path]]:
    """gunicorn as the README starts it, with one worker, against `database`: its port and its log, once the
    worker has started (or failed to)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port, log = listener.getsockname()[1], folder / "gunicorn.log"
    env = {**os.environ, **PRODUCTION, "FASCIA_DATABASE_URL": database, "FASCIA_ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("GUNICORN_CMD_ARGS", None)
    command = [sys.executable, "-m", "gunicorn", "fascia.wsgi", "--config", "python:fascia.gunicorn_config"]
    command += ["--workers=1", f"--bind=fd://{listener.fileno()}", "--log-level=info", "--no-control-socket"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env=env, cwd=folder, pass_fds=[listener.fileno()], stdout=out, stderr=subprocess.STDOUT
        )
    listener.close()
    try:
        deadline = time.monotonic() + 60
        while not any(mark in log.read_text() for mark in ("warmed in", "starts cold")):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port, log
    finally:
        server.kill()
        server.wait()


def healthz(port: int) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "127.0.0.1"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


@pytest.mark.django_db(transaction=True)  # nothing left open that the worker's warm-up would wait for
def test_gunicorn_warms_each_worker_on_the_database_before_its_first_request(tmp_path: Path) -> None:
    try:
        with gunicorn(database_url(), tmp_path) as (port, log):
            assert "warmed in" in log.read_text(), log.read_text()
            assert healthz(port) == "ok"
    finally:
        wait_for_other_sessions_to_end()


def test_a_worker_whose_database_does_not_answer_still_starts_and_serves(tmp_path: Path) -> None:
    """The health check answers without the database (README); a worker's warm-up must not take it down."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        nowhere = f"postgres://fascia@127.0.0.1:{closed.getsockname()[1]}/fascia"
    with gunicorn(nowhere, tmp_path) as (port, log):
        assert "starts cold: the database did not answer" in log.read_text(), log.read_text()
        assert healthz(port) == "ok"
