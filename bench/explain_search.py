"""EXPLAIN ANALYZE the SQL of a patient search, as the front-desk user of the benchmark runs it.

Usage (with the environment bench/run sets, or FASCIA_DATABASE_URL pointing at fascia_bench):
    .venv/bin/python bench/explain_search.py ngu "okafor ma" 555-0142
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascia.settings")
django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from patient_search import PAGE_SIZE  # noqa: E402

from fascia.core.models import User  # noqa: E402
from fascia.patients.queries import search_patients  # noqa: E402


def explain(user: User, term: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        list(Paginator(search_patients(user, term), PAGE_SIZE).get_page(1))
    for query in queries.captured_queries:
        print(f"-- {term!r}: {query['sql']}")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))
        print()


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    user = User.objects.get(username="frontdesk")  # the front desk of `fascia seed`
    for term in sys.argv[1:]:
        explain(user, term)
    return 0


if __name__ == "__main__":
    sys.exit(main())
