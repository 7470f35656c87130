from django.core.management.base import BaseCommand

from fascia.practitioners.alerts import send_credential_alerts


class Command(BaseCommand):
    help = (
        "Email practitioners (copying their admins) about credentials expiring within 90, 60 or 30 days, "
        "expired ones and missing CE hours. Run it daily from cron; never sends the same alert twice."
    )

    def handle(self, *args: object, **options: object) -> None:
        emails, alerted = send_credential_alerts()
        self.stdout.write(f"{emails} credential alert email(s) sent, covering {alerted} item(s).")
