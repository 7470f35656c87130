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

        post_migrate.connect(sync_role_groups, dispatch_uid="fascia.core.sync_role_groups")
        user_logged_in.connect(start_idle_timer, dispatch_uid="fascia.core.start_idle_timer")
