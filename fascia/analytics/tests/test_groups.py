"""The clinic's condition groups page: ICD-10-CM prefixes checked, every write audited, episodes regrouped."""

from datetime import date

from django.test import Client
from django.urls import reverse

from fascia.analytics.models import ConditionGroup
from fascia.analytics.tests.factories import episode
from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.roles import Role

URL = reverse("analytics:condition_groups")


def test_it_lists_the_seeded_groups(client: Client, ada: User) -> None:
    login(client, ada)
    r = client.get(URL)
    assert r.status_code == 200
    assert [row["name"] for row in r.context["rows"]][:3] == ["Low back pain", "Neck pain", "Sciatica"]
    assert 'value="M54.5, S33.5"' in r.content.decode()


def test_adding_a_group_checks_and_tidies_the_codes(client: Client, ada: User, organization: Organization) -> None:
    login(client, ada)
    r = client.post(URL, {"name": "Hip", "codes": "m25.55, M16 m1610"})
    assert r.status_code == 302
    hip = ConditionGroup.objects.get(organization=organization, name="Hip")
    assert hip.codes == ["M25.55", "M16", "M16.10"] and hip.position == 8  # after the eight seeded
    entry = AuditEvent.objects.get(action=AuditAction.CONDITION_GROUP_SAVED)
    assert entry.actor == ada and entry.detail == {"codes": ["M25.55", "M16", "M16.10"]}


def test_an_unknown_code_is_a_clear_error_and_nothing_is_saved(
    client: Client, ada: User, organization: Organization
) -> None:
    login(client, ada)
    neck = ConditionGroup.objects.get(organization=organization, name="Neck pain")
    r = client.post(URL, {"group": neck.pk, "name": "Neck pain", "codes": "M54.2, XX9, M99.99"})
    assert r.status_code == 200
    assert "Not ICD-10-CM codes or categories: XX9, M99.99" in r.content.decode()
    neck.refresh_from_db()
    assert neck.codes == ["M54.2", "S13.4"] and not AuditEvent.objects.filter(action=AuditAction.CONDITION_GROUP_SAVED)


def test_a_block_range_is_refused_but_a_chapter_letter_is_a_prefix(client: Client, ada: User) -> None:
    login(client, ada)
    r = client.post(URL, {"name": "Transport", "codes": "V00-V99"})
    assert "Not ICD-10-CM codes or categories: V00-V99" in r.content.decode()
    assert client.post(URL, {"name": "Transport", "codes": "V"}).status_code == 302


def test_a_duplicate_name_and_no_codes_are_refused(client: Client, ada: User) -> None:
    login(client, ada)
    assert "already a group named Knee" in client.post(URL, {"name": "knee", "codes": "M17"}).content.decode()
    assert "at least one ICD-10-CM code" in client.post(URL, {"name": "Hip", "codes": " "}).content.decode()


def test_editing_a_group_moves_its_episodes(client: Client, ada: User, tess: User, organization: Organization) -> None:
    row = episode(tess, end=date(2026, 11, 1), change=10, group=None)
    row.diagnoses = ["M54.16"]
    row.save()
    sciatica = ConditionGroup.objects.get(organization=organization, name="Sciatica")
    login(client, ada)
    client.post(URL, {"group": sciatica.pk, "name": "Sciatica and radiculopathy", "codes": "M54.3, M54.4, M54.1"})
    assert list(row.groups.values_list("name", flat=True)) == ["Sciatica and radiculopathy"]


def test_deleting_a_group(client: Client, ada: User, organization: Organization) -> None:
    login(client, ada)
    knee = ConditionGroup.objects.get(organization=organization, name="Knee")
    assert client.post(URL, {"group": knee.pk, "delete": "1"}).status_code == 302
    assert not ConditionGroup.objects.filter(pk=knee.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CONDITION_GROUP_DELETED, actor=ada).count() == 1


def test_another_clinics_group_cannot_be_touched(client: Client, ada: User) -> None:
    other = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    theirs = ConditionGroup.objects.get(organization=other, name="Knee")
    login(client, ada)
    assert client.post(URL, {"group": theirs.pk, "name": "Mine now", "codes": "M17"}).status_code == 404
    assert client.post(URL, {"group": theirs.pk, "delete": "1"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Knee"


def test_only_admins_edit_groups(client: Client, tess: User, organization: Organization) -> None:
    login(client, tess)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "Hip", "codes": "M16"}).status_code == 403
    login(client, make_user(organization, "fred", Role.FRONT_DESK))
    assert client.get(URL).status_code == 403
