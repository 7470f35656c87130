"""Signing in and permissions: Django's model backend, with permissions read from the user's role."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from fascia.core.models import User
from fascia.core.queries import role_of, signed_in_users
from fascia.core.roles import ROLE_PERMISSIONS


class RoleBackend(ModelBackend):
    """Fascia grants permissions by role only: each role's group holds exactly ROLE_PERMISSIONS
    (sync_role_groups sets them after every migrate), no permission is given to a user directly, and
    each user holds one role (fascia.core.services sets it).

    So the signed-in user is read in one query with their organization, practitioner profile, role and
    whether they have a second factor (signed_in_users), and their permissions come from
    ROLE_PERMISSIONS, instead of the queries pages would otherwise make for each: the organization,
    the profile, the groups (role and two-factor checks), the two-factor devices and the permissions
    of the user and of their groups.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = signed_in_users().filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        role = role_of(user_obj)
        return set(ROLE_PERMISSIONS.get(role, ())) if role is not None else set()
