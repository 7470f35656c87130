from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "fascia.records"
    label = "records"

    def ready(self) -> None:
        from django.utils import timezone

        from fascia.core import backup
        from fascia.records import chain

        backup.include("records-head", lambda: chain.head_files(timezone.now()))
