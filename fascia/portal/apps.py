from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The patient portal (/my/): the patient's own pages. It reads and writes through the clinical apps'
    services, so it sits above them all (the `layers` import contract); its accounts and invitations are
    the patients app's (fascia.patients.accounts)."""

    name = "fascia.portal"
    label = "portal"
