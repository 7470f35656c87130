from django.core.management.base import BaseCommand

from fascia.analytics.episodes import CHUNK, rebuild


class Command(BaseCommand):
    help = (
        "Rebuild every episode of care (the summary rows the outcome pages count) from the plans, signed notes and "
        f"measures, {CHUNK} patients per round of queries, each round in one transaction. Run it once after an "
        "upgrade that brings episodes, and after importing records; signing, measuring and ending plans keep them "
        "current otherwise."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = rebuild()
        self.stdout.write(f"{count} episode(s) of care rebuilt.")
