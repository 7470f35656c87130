"""Honest posting, the data (issue 24): a remittance per payment, named by payer and trace number instead of its
file's bytes; claims and postings keep what the payers' adjustments took off; postings can be held.

Existing rows stay correct: each remittance's payer identifier is its payer's name (the only one kept);
a payment already posted twice under the old rule (same payer and trace, another file layout) keeps
its rows, the later ones marked as duplicates so the new constraint holds; unmatched postings become
held ones with their reason; each claim's and posting's CO/PI/OA adjustments are summed from the
adjustments the postings kept.
"""

from decimal import Decimal

from django.db import migrations

WRITTEN_OFF = {"CO", "PI", "OA", "CR"}  # the groups that adjust the charge off; PR is the patient's


def fill(apps, schema_editor):
    Remittance = apps.get_model("billing", "Remittance")
    Posting = apps.get_model("billing", "Posting")
    Claim = apps.get_model("billing", "Claim")
    seen = set()
    for remittance in Remittance.objects.order_by("id").iterator(chunk_size=2000):
        key = (remittance.organization_id, remittance.payer_name[:80], remittance.trace_number)
        remittance.payer_identifier = remittance.payer_name[:80]
        if key in seen:
            remittance.payer_identifier = f"{remittance.payer_name[:50]} (duplicate {remittance.pk})"
        seen.add(key)
        remittance.save(update_fields=["payer_identifier"])
    Posting.objects.filter(claim__isnull=True).update(
        state="held", hold_reason="No claim of the clinic has this number."
    )
    adjusted_by_claim = {}
    batch = []
    for posting in Posting.objects.order_by("id").iterator(chunk_size=2000):
        adjusted = sum(
            (Decimal(str(a.get("amount", "0"))) for a in posting.adjustments if a.get("group") in WRITTEN_OFF),
            Decimal("0"),
        )
        if adjusted:
            posting.adjusted = adjusted
            batch.append(posting)
            if posting.claim_id is not None:
                adjusted_by_claim[posting.claim_id] = adjusted_by_claim.get(posting.claim_id, Decimal("0")) + adjusted
        if len(batch) >= 1000:
            Posting.objects.bulk_update(batch, ["adjusted"])
            batch = []
    Posting.objects.bulk_update(batch, ["adjusted"])
    claims = []
    for claim in Claim.objects.filter(pk__in=list(adjusted_by_claim)).only("pk").iterator(chunk_size=2000):
        claim.adjusted = adjusted_by_claim[claim.pk]
        claims.append(claim)
    Claim.objects.bulk_update(claims, ["adjusted"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_honest_posting")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
