from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from fascia.billing.claims.services import BillingError, export_claims
from fascia.billing.models import Claim, Payer
from fascia.billing.x12.edi837 import MAX_CLAIMS
from fascia.core import tenancy
from fascia.lib.files import publish, stage


class Command(BaseCommand):
    help = (
        "Write ready claims (or the --claim numbers) to one 837P file and mark them submitted. "
        "A claim already sent goes again only with --resubmit, as a replacement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="The 837P file to write; must not exist yet")
        parser.add_argument("--claim", action="append", default=[], metavar="NUMBER", help="Only this claim")
        parser.add_argument("--resubmit", action="store_true", help="Send claims already sent as replacements")

    def handle(self, *args: object, out: Path, claim: list[str], resubmit: bool, **options: object) -> None:
        if out.exists():
            raise CommandError(f"{out} already exists; name a new file. Nothing was exported.")
        if not out.parent.is_dir():
            raise CommandError(f"There is no folder {out.parent}. Nothing was exported.")
        left = 0
        if claim:
            claims = list(Claim.objects.filter(number__in=claim).order_by("number"))
            missing = sorted(set(claim) - {c.number for c in claims})
            if missing:
                raise CommandError(f"No claim numbered {', '.join(missing)}. Nothing was exported.")
        else:
            claims = list(
                Claim.objects.filter(status=Claim.Status.READY, payer__claim_method=Payer.ClaimMethod.ELECTRONIC)
                .select_related("organization")
                .order_by("number")
            )
            if not claims:
                raise CommandError("No ready electronic claims to export; no file was written.")
            practices = sorted({str(c.organization) for c in claims})
            if len(practices) > 1:
                raise CommandError(
                    f"Ready claims belong to {len(practices)} practices ({'; '.join(practices)}); "
                    "export one practice's with --claim. Nothing was exported."
                )
            claims, left = claims[:MAX_CLAIMS], max(len(claims) - MAX_CLAIMS, 0)
        if len({c.organization_id for c in claims}) > 1:  # named with --claim
            raise CommandError("The claims named belong to more than one practice. Nothing was exported.")
        staged = None
        try:
            # Staged before the claims are committed as submitted and published after (fascia.lib.files), so
            # a crash never leaves a file of claims still ready: they would be sent twice.
            with tenancy.acting_for(claims[0].organization_id), transaction.atomic():
                batch = export_claims(actor=None, claims=claims, resubmit=resubmit)
                staged = stage(out, batch.content, encoding="ascii")
        except BillingError as e:
            raise CommandError(f"{e} No file was written.") from None
        except Exception as e:
            if staged is not None:  # written, but the commit failed
                staged.unlink(missing_ok=True)
            if isinstance(e, OSError):
                raise CommandError(f"Cannot write {out}: {e}. Nothing was exported.") from None
            raise
        try:
            publish(staged, out)
        except OSError as e:
            raise CommandError(
                f"The claims were marked submitted in 837P batch {batch.control_number:09d}, but {out} could not "
                f"be written ({'it appeared meanwhile' if isinstance(e, FileExistsError) else e}). "
                f"The file is {staged}; the batch can also be downloaded from the billing page."
            ) from None
        self.stdout.write(f"Wrote {len(claims)} claim(s) to {out}: 837P control number {batch.control_number:09d}.")
        if left:
            self.stdout.write(f"{left} more ready claim(s) did not fit in one file; run the command again.")
