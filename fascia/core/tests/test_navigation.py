import re

from django.test import Client
from django.urls import reverse

from fascia.conftest import login
from fascia.core.models import User

LINK = re.compile(r'<a class="nav-link( active)?"\s*(aria-current="page")?\s*href="([^"]+)">([^<]+)</a>')


def menu(client: Client, path: str) -> list[tuple[str, str, bool, bool]]:
    """The main menu's entries on a page: label, link, marked active, marked the current page."""
    html = client.get(path).content.decode()
    return [(label, url, bool(active), bool(current)) for active, current, url, label in LINK.findall(html)]


def test_the_menu_lists_what_the_role_may_open_and_marks_where_the_user_is(
    client: Client, tess: User, frank: User
) -> None:
    login(client, tess)
    day, patients = reverse("visits:dashboard"), reverse("patients:list")
    entries = menu(client, day)
    assert ("My day", day, True, True) in entries and ("Patients", patients, False, False) in entries
    assert "Staff" not in [label for label, *_ in entries]
    login(client, frank)
    entries = menu(client, patients)
    assert ("Patients", patients, True, True) in entries and "My day" not in [label for label, *_ in entries]


def test_the_front_desk_menu_opens_with_the_today_board(client: Client, tess: User, frank: User) -> None:
    login(client, frank)
    assert menu(client, reverse("patients:list"))[0][:2] == ("Today", reverse("frontdesk:today"))
    login(client, tess)  # a practitioner's day is "My day"
    assert "Today" not in [label for label, *_ in menu(client, reverse("patients:list"))]
