from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "fascia.core"
    label = "core"
    verbose_name = "Organization and staff"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from fascia.core.middleware import start_idle_timer
        from fascia.core.roles import sync_role_groups
        from fascia.core.tenancy import secure

        post_migrate.connect(sync_role_groups, dispatch_uid="fascia.core.sync_role_groups")
        # After every app's migrations (core's post_migrate comes once all are applied).
        post_migrate.connect(secure, sender=self, dispatch_uid="fascia.core.tenancy.secure")
        user_logged_in.connect(start_idle_timer, dispatch_uid="fascia.core.start_idle_timer")
