from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fascia.demo"
    label = "demo"
    verbose_name = "Demo clinic"
