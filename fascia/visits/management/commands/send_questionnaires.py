from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from fascia.visits.questionnaire_mail import base_url, send_due_questionnaires


class Command(BaseCommand):
    help = (
        "Email patients the questionnaires their next visit (booked today or in the next 2 days) calls for and they "
        "have not answered, each once. Run it from cron, e.g. every morning. Needs FASCIA_BASE_URL for the links."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Leave the whole job to the worker and return.")

    def handle(self, *args: object, enqueue: bool, **options: object) -> None:
        base_url()  # refuse at once, before queuing anything, without the address for the links
        if enqueue:
            self.stdout.write(f"Queued as task {send_due_questionnaires.enqueue().id}.")
            return
        sent, skipped = send_due_questionnaires.call()
        self.stdout.write(f"{sent} questionnaire(s) sent; {skipped} skipped (no email consent or address).")
