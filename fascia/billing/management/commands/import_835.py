from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.billing.remittance.parse import RemittanceError
from fascia.billing.remittance.posting import AlreadyImported, import_835
from fascia.core.models import Organization


class Command(BaseCommand):
    help = "Post an 835 remittance file: payments and adjustments matched to claims; the same file posts once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        organization = Organization.objects.first()
        if organization is None:
            raise CommandError("There is no practice yet.")
        try:
            text = file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(f"Cannot read {file}: {e}") from None
        try:
            remittance = import_835(actor=None, organization=organization, text=text, filename=file.name)
        except RemittanceError as e:
            raise CommandError(f"{file.name}: {e} Nothing was posted.") from None
        except AlreadyImported as e:
            raise CommandError(f"{file.name}: {e}") from None
        postings = list(remittance.postings.all())
        unmatched = [p.claim_number for p in postings if p.claim_id is None]
        self.stdout.write(f"Posted {len(postings) - len(unmatched)} claim payment(s), {remittance.total_paid} in all.")
        if unmatched:
            self.stdout.write(f"Unmatched (listed on the Payments page): {', '.join(unmatched)}")
