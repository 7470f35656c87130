"""gunicorn's hooks for Fascia: `gunicorn fascia.wsgi --config python:fascia.gunicorn_config …`."""

import time
from typing import Any

from django.db import DatabaseError


def post_worker_init(worker: Any) -> None:  # gunicorn's Worker; gunicorn ships no types
    """Each worker, once it has loaded the application and before its first request, compiles what its
    first requests would have (fascia.wsgi.warm_worker). A database that does not answer yet leaves the
    worker to compile and plan as requests come, not out of service."""
    from fascia.wsgi import warm_worker

    start = time.perf_counter()
    try:
        warm_worker()
    except DatabaseError as error:
        worker.log.warning("Worker %s starts cold: the database did not answer (%s)", worker.pid, error)
        return
    worker.log.info("Worker %s warmed in %d ms", worker.pid, (time.perf_counter() - start) * 1000)
