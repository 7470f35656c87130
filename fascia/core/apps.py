from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "fascia.core"
    label = "core"
    verbose_name = "Organization and staff"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created

        from fascia.core.middleware import start_idle_timer
        from fascia.core.roles import sync_role_groups
        from fascia.lib.timestamps import read_timestamps_in_c

        post_migrate.connect(sync_role_groups, dispatch_uid="fascia.core.sync_role_groups")
        user_logged_in.connect(start_idle_timer, dispatch_uid="fascia.core.start_idle_timer")
        connection_created.connect(read_timestamps_in_c, dispatch_uid="fascia.lib.read_timestamps_in_c")
