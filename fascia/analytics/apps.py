from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Outcome evidence and practice dashboards (issue 28): it reads measures, plans, visits, scheduling and
    billing, so it sits above them all (the `layers` import contract)."""

    name = "fascia.analytics"
    label = "analytics"
