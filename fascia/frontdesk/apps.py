from django.apps import AppConfig


class FrontdeskConfig(AppConfig):
    """The front desk's Today board: it reads scheduling, patients, referrals and billing, so it sits above them
    all (the `layers` import contract); it holds no models."""

    name = "fascia.frontdesk"
    label = "frontdesk"
