from django.core.management.base import BaseCommand

from fascia.scheduling.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Email appointment reminders that are due (run it from cron, e.g. every 15 minutes). Never sends twice."

    def handle(self, *args: object, **options: object) -> None:
        sent, skipped = send_due_reminders()
        self.stdout.write(f"{sent} reminder(s) sent; {skipped} skipped (no email consent or address).")
