import os
import subprocess
import sys


def test_the_wsgi_application_starts_with_every_view_imported_and_left_out_of_full_collections() -> None:
    """What gunicorn loads, as production runs it (DEBUG off): the views are imported before the first
    request, and what the start made is frozen (gc.freeze), so no request pays a full garbage
    collection's pass over it."""
    check = (
        "import gc, sys, fascia.wsgi; "
        "print(gc.get_freeze_count() > 100_000, all(m in sys.modules for m in "
        "('fascia.visits.views', 'fascia.billing.views', 'fascia.scheduling.views', 'fascia.patients.views')))"
    )
    production = {**os.environ, "FASCIA_DEBUG": "False", "FASCIA_SECRET_KEY": "a-secret-for-this-test-only-" * 2}
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120, env=production)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
