from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fascia.billing.models import Claim
from fascia.demo.era import DENIED, demo_cases, write_835


class Command(BaseCommand):
    help = (
        "Write the 835 a payer might send for the submitted claims, to try payment posting on a demo or test "
        "clinic: one claim split (part paid), one applied to the deductible, one denied, one reversed and "
        "corrected with interest (PLB), the others paid (80% allowed, a 10.00 copay). Never for real claims."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--deny", action="append", default=[], help="A claim number to deny (repeatable)")

    def handle(self, *args: object, out: Path, deny: list[str], **options: object) -> None:
        claims = list(
            Claim.objects.filter(status=Claim.Status.SUBMITTED, organization__is_demo=True)
            .select_related("organization", "payer", "patient", "coverage", "primary_claim")
            .prefetch_related("lines", "primary_claim__lines", "primary_claim__postings")
            .order_by("number")
        )
        if not claims:
            raise CommandError("No submitted claims in a demo clinic: export some first (fascia export_837).")
        today = timezone.localdate()
        cases = demo_cases(claims) | dict.fromkeys(deny, DENIED)
        out.write_text(write_835(claims, paid_on=today, trace=f"DEMO{today:%Y%m%d}{len(claims)}", cases=cases))
        answered = "".join(f"{number} {case}, " for number, case in sorted(cases.items()))
        secondaries = sum(1 for claim in claims if claim.primary_claim_id is not None)
        others = f"{secondaries} secondary claim(s) paid what the primary left to the patient, " if secondaries else ""
        self.stdout.write(
            f"Wrote an 835 answering {len(claims)} claim(s) to {out} ({answered}{others}the others paid)."
        )
