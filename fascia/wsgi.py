import gc
import os
from pathlib import Path

from django.apps import apps
from django.core.wsgi import get_wsgi_application
from django.template import engines
from django.urls import get_resolver

from fascia.lib.prepared import warm_up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
application = get_wsgi_application()

# Every view's module imported now, not by the first request; then what the start made (some 700,000
# objects: Django, the app, WeasyPrint, pyx12, fhir.resources) is left out of the garbage collector's
# passes. It lives as long as the worker, and a full pass over it took 145 ms: a stall for whichever
# request set one off.
get_resolver().reverse_dict  # noqa: B018 (its patterns too, for reverse() and for resolving)
gc.freeze()


def warm_worker() -> None:
    """Pay before a worker's first request what its first requests of each page paid otherwise (gunicorn
    calls this once the worker has loaded the application: fascia/gunicorn_config.py): every template of the
    project compiled, and every prepared query compiled and planned on the worker's own connection, which it
    keeps for its requests."""
    engine = engines["django"]
    ours = [Path(app.path) / "templates" for app in apps.get_app_configs() if app.name.startswith("fascia.")]
    folders: list[str | Path] = [*engine.dirs, *ours]
    for folder in folders:
        for path in Path(folder).rglob("*.html"):
            engine.get_template(str(path.relative_to(folder)))
    warm_up()
    gc.freeze()
