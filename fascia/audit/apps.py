from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fascia.audit"
    label = "audit"
    verbose_name = "Audit trail"
