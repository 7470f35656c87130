from functools import reduce
from operator import or_

from django.contrib.auth.models import Group
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django_otp import device_classes

from fascia.core.models import User
from fascia.core.roles import Role


def signed_in_users() -> QuerySet[User]:
    """Users as each request reads its own (sessions in RoleBackend, API tokens): with the organization,
    the practitioner profile (None for the other roles) and what every signed-in request checks, in
    the same query: `role` (role_of) and `has_second_factor` (a confirmed two-factor device, see
    fascia.core.two_factor). Reading the groups, the devices and the profile in queries of their own
    cost pages up to three more round trips."""
    # A user holds one role group; should one hold more, the first by name counts, here and in role_of().
    role = Group.objects.filter(user=OuterRef("pk"), name__in=Role.values).order_by("name").values("name")[:1]
    devices = (Q(Exists(cls.objects.filter(user=OuterRef("pk"), confirmed=True))) for cls in device_classes())
    return User._default_manager.select_related("organization", "practitioner").annotate(
        role=Subquery(role), has_second_factor=ExpressionWrapper(reduce(or_, devices), output_field=BooleanField())
    )


def role_of(user: User) -> str | None:
    """The user's role (its group): as signed_in_users() read it, else from the groups (prefetched or not)."""
    if hasattr(user, "role"):
        return user.role
    return min((g.name for g in user.groups.all() if g.name in Role.values), default=None)
