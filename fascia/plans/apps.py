from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "fascia.plans"
    label = "plans"
    verbose_name = "Treatment plans"
