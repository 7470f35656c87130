from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from fascia.core.models import User
from fascia.core.queries import SIGNED_IN_USER, signed_in_users
from fascia.core.roles import Role


def fields(instance: object) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_a_prepared_query_reads_what_its_queryset_reads(personas: dict[str, User]) -> None:
    """The same columns, annotations and select_related objects (a practitioner's profile, or none)."""
    TOTPDevice.objects.create(user=personas[Role.ADMIN], name="phone", confirmed=True)
    for role, user in personas.items():
        expected = signed_in_users().get(pk=user.pk)
        with CaptureQueriesContext(connection) as queries:
            read = SIGNED_IN_USER.first(user.pk)
            assert fields(read) == fields(expected) and not read._state.adding
            assert fields(read.organization) == fields(expected.organization)
            profile = getattr(read, "practitioner", None)
            assert (profile is not None) == (role == Role.PRACTITIONER)
            assert profile is None or fields(profile) == fields(expected.practitioner)
        assert len(queries) == 1
    assert [SIGNED_IN_USER.first(u.pk).has_second_factor for u in personas.values()] == [False, False, False, True]


def test_each_run_reads_the_database_again(tess: User) -> None:
    assert SIGNED_IN_USER.first(tess.pk).is_active
    User.objects.filter(pk=tess.pk).update(is_active=False, first_name="Tessa")
    again = SIGNED_IN_USER.first(tess.pk)
    assert (again.is_active, again.first_name) == (False, "Tessa")
    assert SIGNED_IN_USER.first(tess.pk + 1000) is None
