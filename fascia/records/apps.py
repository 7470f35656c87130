from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "fascia.records"
    label = "records"
