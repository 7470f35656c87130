import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRODUCTION = {
    "FASCIA_DEBUG": "False",
    "FASCIA_SECRET_KEY": "a-secret-for-this-test-only-" * 2,
    # The key the tests seal with (settings: made under var/ when testing), so both agree.
    "FASCIA_RECORDS_KEY_FILE": str(Path(__file__).resolve().parents[3] / "var" / "records-dev.key"),
}


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


def healthz(port: int) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "127.0.0.1"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


@contextmanager
def gunicorn(database: str, folder: Path) -> Iterator[int]:
    """gunicorn as the README starts it, with one worker, against `database`: its port, once the health check
    answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    port, log = listener.getsockname()[1], folder / "gunicorn.log"
    env = {**os.environ, **PRODUCTION, "FASCIA_DATABASE_URL": database, "FASCIA_ALLOWED_HOSTS": "127.0.0.1"}
    env.pop("GUNICORN_CMD_ARGS", None)
    command = [sys.executable, "-m", "gunicorn", "fascia.wsgi"]
    command += ["--workers=1", f"--bind=fd://{listener.fileno()}", "--log-level=info", "--no-control-socket"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env=env, cwd=folder, pass_fds=[listener.fileno()], stdout=out, stderr=subprocess.STDOUT
        )
    listener.close()
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            try:
                healthz(port)
            except OSError:
                time.sleep(0.1)
            else:
                break
        yield port
    finally:
        server.kill()
        server.wait()


def test_a_worker_whose_database_does_not_answer_still_starts_and_serves(tmp_path: Path) -> None:
    """The health check answers without the database (README)."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        nowhere = f"postgres://fascia@127.0.0.1:{closed.getsockname()[1]}/fascia"
    with gunicorn(nowhere, tmp_path) as port:
        assert healthz(port) == "ok"
