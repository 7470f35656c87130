from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from fascia.practitioners.alerts import send_credential_alerts


class Command(BaseCommand):
    help = (
        "Email practitioners (copying their admins) about credentials expiring within 90, 60 or 30 days, "
        "expired ones and missing CE hours; the worker (`fascia db_worker`) sends them. Run it daily from cron; "
        "never sends the same alert twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Leave the whole job to the worker and return.")

    def handle(self, *args: object, enqueue: bool, **options: object) -> None:
        if enqueue:
            self.stdout.write(f"Queued as task {send_credential_alerts.enqueue().id}.")
            return
        emails, alerted = send_credential_alerts.call()
        self.stdout.write(f"{emails} credential alert email(s) sent, covering {alerted} item(s).")
