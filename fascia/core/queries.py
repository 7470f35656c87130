from fascia.core.models import User
from fascia.core.roles import Role


def role_of(user: User) -> str | None:
    """The user's role (its group); uses prefetched groups when the caller prefetched them."""
    names = [g.name for g in user.groups.all()]
    return next((r for r in Role.values if r in names), None)
