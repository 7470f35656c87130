from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from fascia.scheduling.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Queue the appointment reminders that are due, for the worker (`fascia db_worker`) to email. "
        "Run it from cron, e.g. every 15 minutes. Never sends twice."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Leave the whole job to the worker and return.")

    def handle(self, *args: object, enqueue: bool, **options: object) -> None:
        if enqueue:
            self.stdout.write(f"Queued as task {send_due_reminders.enqueue().id}.")
            return
        sent, skipped = send_due_reminders.call()
        self.stdout.write(f"{sent} reminder(s) sent; {skipped} skipped (no email consent or address).")
