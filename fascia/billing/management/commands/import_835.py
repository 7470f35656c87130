from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fascia.billing.claims.services import BillingError
from fascia.billing.remittance.parse import RemittanceError
from fascia.billing.remittance.posting import import_835, summary
from fascia.core import tenancy
from fascia.core.models import Organization
from fascia.lib.uploads import too_large


class Command(BaseCommand):
    help = (
        "Post an 835 remittance file: payments and adjustments matched to claims. Exits 0 when posted, 1 with a "
        "one-line reason when refused (malformed, unbalanced, an unknown claim, already posted): nothing posted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        organization = Organization.objects.first()
        if organization is None:
            raise CommandError("There is no practice yet.")
        try:
            problem = too_large(file.stat().st_size)
            if problem:
                raise CommandError(f"{file.name}: {problem} Nothing was posted.")
            text = file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as e:
            raise CommandError(_one_line(f"Cannot read {file}: {e}")) from None
        try:
            with tenancy.acting_for(organization.pk):
                remittances = import_835(actor=None, organization=organization, text=text, filename=file.name)
        except RemittanceError as e:
            raise CommandError(_one_line(f"{file.name}: {e} Nothing was posted.")) from None
        except BillingError as e:  # an unknown claim, or already posted
            raise CommandError(_one_line(f"{file.name}: {e}")) from None
        self.stdout.write(summary(remittances, file.name))


def _one_line(message: str) -> str:
    return " ".join(message.split())
