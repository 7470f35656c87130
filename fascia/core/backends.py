"""Signing in and permissions: Django's model backend, with permissions read from the user's role."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from fascia.core.models import User
from fascia.core.roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    """Fascia grants permissions by role only: each role's group holds exactly ROLE_PERMISSIONS
    (sync_role_groups sets them after every migrate), and no permission is given to a user directly.

    So the signed-in user is read with their organization and groups (two queries), and their
    permissions come from ROLE_PERMISSIONS, instead of the four more queries every page would
    otherwise make: the organization, the groups twice (role and two-factor checks) and the
    permissions of the user and of their groups.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = (
            User._default_manager.select_related("organization").prefetch_related("groups").filter(pk=user_id).first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set().union(*(ROLE_PERMISSIONS.get(group.name, ()) for group in user_obj.groups.all()))
