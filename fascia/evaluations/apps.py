from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "fascia.evaluations"
    label = "evaluations"
