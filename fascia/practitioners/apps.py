from django.apps import AppConfig


class PractitionersConfig(AppConfig):
    name = "fascia.practitioners"
    label = "practitioners"
