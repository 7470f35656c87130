from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "fascia.measures"
    label = "measures"
    verbose_name = "Outcome measures"
