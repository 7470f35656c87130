"""Figures kept ready (issue 28, Speed): the outcome page and the dashboards show a Snapshot of their figures,
computed in the background, so a page view reads one row whatever the size of the clinic.

At the benchmark's 50,000 patients and ten years, counting the outcome evidence takes about 2.7 s and the financial
dashboard about 2.2 s of SQL (bench/README.md), far over a page's budget; the figures of ten years barely move
with one signed note. So:

- A page asks `ready()` for its figures under its filter. Figures computed in the last MAX_AGE are shown at once.
- Older or missing figures are queued for the worker (`fascia db_worker`; with the immediate task backend, as under
  `make run`, they are computed at once). Meanwhile the page shows the last figures with the time they were
  counted, or, the first time a filter is asked, says they are being computed.
- Each page states when its figures were counted. Exports and the monthly report count at the time they are asked.

A page registers the function that renders its figures in BUILDERS (AnalyticsConfig.ready)."""

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django_tasks import task

from fascia.analytics.models import Snapshot
from fascia.core import tenancy
from fascia.core.models import Organization

MAX_MINUTES = 5
MAX_AGE = timedelta(minutes=MAX_MINUTES)
KEEP = timedelta(days=1)  # figures no page asked for again in a day are let go (their filters name old dates)
# page → function(organization, filter) rendering the page's figures as HTML through its template.
BUILDERS: dict[str, Callable[[Organization, QueryDict], str]] = {}


def ready(organization: Organization, page: str, params: dict[str, str]) -> Snapshot:
    """The page's figures under `params`: computed within MAX_AGE, or else queued to be computed again (once)
    and, meanwhile, the last ones counted (`computed_at` None when there are none yet)."""
    key = urlencode(sorted((k, v) for k, v in params.items() if v))
    snapshot, _ = Snapshot.objects.get_or_create(organization=organization, page=page, key=key)
    now = timezone.now()
    if snapshot.computed_at is not None and now - snapshot.computed_at < MAX_AGE:
        return snapshot
    # One request queues the work; another finding it queued waits for it, unless a worker lost it long ago.
    unqueued = Q(queued_at__isnull=True) | Q(queued_at__lt=now - MAX_AGE)
    if Snapshot.objects.filter(unqueued, pk=snapshot.pk).update(queued_at=now):
        compute.enqueue(snapshot.pk)
        snapshot.refresh_from_db()
    return snapshot


@task()
def compute(snapshot_id: int) -> bool:
    """Count the snapshot's figures and keep them; False when the snapshot is gone."""
    snapshot = Snapshot.objects.filter(pk=snapshot_id).select_related("organization").first()
    if snapshot is None:
        return False
    counted_at = timezone.now()
    with tenancy.acting_for(snapshot.organization_id):
        html = BUILDERS[snapshot.page](snapshot.organization, QueryDict(snapshot.key))
        Snapshot.objects.filter(pk=snapshot_id).update(html=html, computed_at=counted_at, queued_at=None)
        Snapshot.objects.filter(organization=snapshot.organization_id, computed_at__lt=counted_at - KEEP).delete()
    return True
