"""Seals as they were before records migration 0002: plain SHA-256 chained per patient, for the tests of that
migration."""

from collections import defaultdict

from django.db import connection

from fascia.records import chain
from fascia.records.models import Seal


def legacy_links() -> dict[int, dict]:
    """Each seal's place and hashes (by seal id) as the old code would have sealed the records as they are now.
    Read with today's models, before migrating back."""
    by_patient: dict[int, list[Seal]] = defaultdict(list)
    for s in Seal.objects.order_by("organization_id", "sequence"):
        by_patient[s.patient_id].append(s)
    links = {}
    for seals in by_patient.values():
        records, previous = chain._records(seals), ""
        for place, s in enumerate(seals, 1):
            content = chain._KINDS[s.kind].content(records[(s.kind, s.record_id)])
            links[s.pk] = {
                "sequence": place,
                "previous_hash": previous,
                "content_hash": chain._legacy_hash(previous, content),
            }
            previous = links[s.pk]["content_hash"]
    return links


def write_legacy(links: dict[int, dict]) -> None:
    """Store `links` once migrated back to records 0001 (in SQL: the seal's model is today's), first places first:
    a patient's places only move down, so no two seals of a patient ever share one."""
    with connection.cursor() as cursor:
        for pk, link in sorted(links.items(), key=lambda item: item[1]["sequence"]):
            cursor.execute(
                "UPDATE records_seal SET sequence = %s, previous_hash = %s, content_hash = %s WHERE id = %s",
                [link["sequence"], link["previous_hash"], link["content_hash"], pk],
            )
