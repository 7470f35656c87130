from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "fascia.billing"
    label = "billing"
