"""The outcome evidence page and evidence(), against a small clinic whose every figure is worked out by hand.

The clinic (ODI, lower is better, MCID 10 points or 30%; every change below is the improvement):
- Tess (LMT): 10 episodes ending in November 2026, low back pain, deep tissue, commercial payer.
  Improvements 20 18 16 14 12 12 10 10 4 2: the first 8 reached the MCID.
  Sorted: 2 4 10 10 12 12 14 16 18 20 → median (12 + 12) / 2 = 12.
  Her responders' visits to the MCID 4 6 6 8 8 8 10 12, days 14 21 21 28 28 35 42 56.
  Minutes 100 100 150 150 200 250 300 300 350 400 → dose bands: under 120: 2, 120–299: 4, 300+: 4.
- Pia (LMT): 6 episodes ending in October 2026, neck pain, self-pay; 3 myofascial release, 3 mixed.
  Improvements 15 11 10 6 0 -4: 3 reached (15, 11, 10); visits 5 7 9, days 20 30 40; 60 minutes each.
Clinic: n = 16, responders 11, rate 11/16 = 0.6875. Wilson (z = 1.96): z²/n = 0.2401, denominator 1.2401,
  centre (0.6875 + 0.12005) / 1.2401 = 0.65120; half 1.96 / 1.2401 · √(0.6875·0.3125/16 + 3.8416/1024)
  = 1.58052 · √(0.0134277 + 0.0037516) = 1.58052 · 0.131070 = 0.20716 → 0.44404 … 0.85836 (44–86%).
  Median improvement: sorted -4 0 2 4 6 10 10 10 11 12 12 14 15 16 18 20, the 8th and 9th: (10 + 11) / 2 = 10.5.
  Median visits to the MCID: 4 5 6 6 7 8 8 8 9 10 12 → the 6th, 8. Days: 14 20 21 21 28 28 30 35 40 42 56 → 28.
Tess alone: 8/10 = 0.8, Wilson 0.49015 … 0.94331 (49–94%), worked in test_stats.py.
Pia's group (neck pain, 6) and every cell under 10 episodes: suppressed.
"""

import base64
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fascia.analytics.outcomes import evidence
from fascia.analytics.tests.factories import episode
from fascia.audit.models import AuditAction, AuditEvent
from fascia.conftest import login, make_user
from fascia.core.models import Organization, User
from fascia.core.npi import with_check_digit
from fascia.core.roles import Role
from fascia.practitioners.models import Practitioner
from fascia.techniques.models import Technique

DEEP_TISSUE, MYOFASCIAL = "Deep tissue massage", "Myofascial release"
TESS = [  # (improvement, reached, visits to MCID, days to MCID, minutes)
    (20, True, 4, 14, 100),
    (18, True, 6, 21, 100),
    (16, True, 6, 21, 150),
    (14, True, 8, 28, 150),
    (12, True, 8, 28, 200),
    (12, True, 8, 35, 250),
    (10, True, 10, 42, 300),
    (10, True, 12, 56, 300),
    (4, False, None, None, 350),
    (2, False, None, None, 400),
]
PIA = [
    (15, True, 5, 20),
    (11, True, 7, 30),
    (10, True, 9, 40),
    (6, False, None, None),
    (0, False, None, None),
    (-4, False, None, None),
]


@pytest.fixture
def pia(organization: Organization) -> User:
    user = make_user(organization, "pia", Role.PRACTITIONER)
    Practitioner.objects.create(
        user=user, credential_suffix="LMT", npi=with_check_digit("123456781"), license_number="MA2", license_state="WA"
    )
    return user


@pytest.fixture
def clinic(tess: User, pia: User) -> None:
    for i, (change, reached, visits, days, minutes) in enumerate(TESS):
        episode(
            tess,
            end=date(2026, 11, 1 + i),
            change=change,
            reached=reached,
            visits_to_mcid=visits,
            days_to_mcid=days,
            minutes=minutes,
        )
    for i, (change, reached, visits, days) in enumerate(PIA):
        episode(
            pia,
            end=date(2026, 10, 1 + i),
            change=change,
            reached=reached,
            visits_to_mcid=visits,
            days_to_mcid=days,
            group="Neck pain",
            technique="myofascial-release" if i < 3 else None,
            minutes=60,
            payer_kind="self-pay",
        )
    # Not counted: an episode without a follow-up score, and another clinic's.
    episode(tess, end=date(2026, 11, 20), change=None)
    other = Organization.objects.create(legal_name="Elsewhere", tax_id="98-7654321", group_npi="1234567893")
    stranger = make_user(other, "stranger", Role.PRACTITIONER)
    Practitioner.objects.create(
        user=stranger, npi=with_check_digit("123456782"), license_number="X1", license_state="WA"
    )
    episode(stranger, end=date(2026, 11, 2), change=30, reached=True)


def _by_label(rows):
    return {row.label: row for row in rows}


def test_the_clinic_figures(organization: Organization, clinic: None) -> None:
    [row] = evidence(organization, "ODI", by="all")
    assert (row.n, row.responders, row.rate) == (16, 11, 0.6875)
    assert row.low == pytest.approx(0.44404, abs=5e-5) and row.high == pytest.approx(0.85836, abs=5e-5)
    assert (row.median_change, row.median_visits, row.median_days) == (10.5, 8, 28)


def test_by_condition_group_suppresses_the_small_one(organization: Organization, clinic: None) -> None:
    rows = _by_label(evidence(organization, "ODI", by="group"))
    assert list(rows) == ["Low back pain", "Neck pain"]  # in the groups' order
    back, neck = rows["Low back pain"], rows["Neck pain"]
    assert (back.n, back.responders, back.rate, back.median_change) == (10, 8, 0.8, 12)
    assert (round(back.low, 4), round(back.high, 4)) == (0.4902, 0.9433)
    assert (neck.n, neck.suppressed, neck.rate, neck.low, neck.median_change) == (6, True, None, None, None)


def test_by_technique_practitioner_payer_and_dose(organization: Organization, clinic: None, tess: User) -> None:
    technique = _by_label(evidence(organization, "ODI", by="technique"))
    assert {label: (row.n, row.rate) for label, row in technique.items()} == {
        DEEP_TISSUE: (10, 0.8),
        MYOFASCIAL: (3, None),
        "Mixed": (3, None),
    }
    people = _by_label(evidence(organization, "ODI", by="practitioner"))
    assert {label: (row.n, row.responders) for label, row in people.items()} == {
        "Pia Test, LMT": (6, 3),
        "Tess Test, LMT": (10, 8),
    }
    payers = _by_label(evidence(organization, "ODI", by="payer"))
    assert {label: (row.n, row.rate) for label, row in payers.items()} == {
        "Commercial health plan": (10, 0.8),
        "Self-pay": (6, None),
    }
    dose = _by_label(evidence(organization, "ODI", by="dose"))
    # Pia's six recorded no minutes: under 120 with Tess's two 100s.
    assert {label: row.n for label, row in dose.items()} == {"under 120 min": 8, "120–299 min": 4, "300+ min": 4}


def test_filters_by_end_date_and_practitioner(organization: Organization, clinic: None, pia: User) -> None:
    [november] = evidence(organization, "ODI", by="all", start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert (november.n, november.responders) == (10, 8)
    [hers] = evidence(organization, "ODI", by="all", practitioner=pia.practitioner)
    assert (hers.n, hers.responders, hers.suppressed) == (6, 3, True)
    assert evidence(organization, "ODI", by="all", start=date(2020, 1, 1), end=date(2020, 12, 31)) == []
    assert evidence(organization, "NDI", by="group") == []


def _page(client: Client, user: User, **params: str):
    login(client, user)
    return client.get(reverse("analytics:outcomes"), params)


def test_the_admin_sees_the_clinic_with_a_practitioner_breakdown(client: Client, ada: User, clinic: None) -> None:
    r = _page(client, ada)
    assert r.status_code == 200
    [odi] = r.context["sections"]
    clinic_row = odi.overall.clinic
    assert (clinic_row.n, clinic_row.percent, clinic_row.interval) == (16, "69%", "44–86%")
    assert odi.overall.you is None
    assert "practitioner" in [by for by, _, _ in odi.tables]
    html = r.content.decode()
    assert "Observational data, not a controlled trial" in html
    assert "Too few episodes (under 10)" in html
    assert AuditEvent.objects.filter(actor=ada, action=AuditAction.OUTCOMES_VIEWED).count() == 1


def test_a_practitioner_sees_their_own_beside_the_clinic(client: Client, tess: User, clinic: None) -> None:
    r = _page(client, tess)
    [odi] = r.context["sections"]
    assert (odi.overall.you.n, odi.overall.you.responders, odi.overall.you.interval) == (10, 8, "49–94%")
    assert odi.overall.clinic.n == 16
    assert "practitioner" not in [by for by, _, _ in odi.tables]  # no colleague's results
    groups = {line.clinic.label: line for _, _, lines in odi.tables[:1] for line in lines}
    assert (groups["Neck pain"].you.n, groups["Neck pain"].clinic.n) == (0, 6)
    assert ">You<" in r.content.decode() and ">Clinic<" in r.content.decode()


def test_a_practitioner_cannot_filter_to_a_colleague(client: Client, tess: User, pia: User, clinic: None) -> None:
    r = _page(client, tess, practitioner=str(pia.practitioner.public_id))
    assert r.status_code == 200
    [odi] = r.context["sections"]
    assert odi.overall.clinic.n == 16 and odi.overall.you.n == 10  # Pia's alone are not shown
    assert "a colleague&#x27;s are not shown" in r.content.decode()


def test_the_admin_filters_to_a_practitioner(client: Client, ada: User, pia: User, clinic: None) -> None:
    r = _page(client, ada, practitioner=str(pia.practitioner.public_id))
    [odi] = r.context["sections"]
    assert (odi.overall.clinic.n, odi.overall.clinic.suppressed) == (6, True)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-12-01", "end": "2026-11-01"}, "The start date is after the end date"),
        ({"start": "2026-13-45"}, "Enter a valid date"),
        ({"location": "not-a-location"}, "Select a valid choice"),
    ],
)
def test_bad_filters_say_what_is_wrong(client: Client, ada: User, clinic: None, params, message: str) -> None:
    r = _page(client, ada, **params)
    assert r.status_code == 200 and r.context["snapshot"] is None  # nothing counted under a bad filter
    assert message in r.content.decode()


def test_an_empty_range_and_an_empty_clinic_say_so(client: Client, ada: User, clinic: None) -> None:
    r = _page(client, ada, start="2020-01-01", end="2020-12-31")
    assert r.status_code == 200 and "No episodes of care match these filters" in r.content.decode()


def test_no_data_yet(client: Client, ada: User) -> None:
    r = _page(client, ada)
    assert r.status_code == 200 and "have a baseline and a later score yet" in r.content.decode()


@pytest.mark.parametrize("username", ["frank", "bill"])
def test_front_desk_and_billing_are_refused(client: Client, personas, username: str) -> None:
    user = next(u for u in personas.values() if u.username == username)
    assert _page(client, user).status_code == 403


def test_each_instrument_has_its_responder_rate_charts(client: Client, ada: User, clinic: None) -> None:
    """By condition group, the clinic (69%) and low back pain (80%) are drawn; neck pain, suppressed, is not. By
    technique, a picture only when a technique's cell may be shown."""
    r = _page(client, ada)
    [odi] = r.context["sections"]
    pictures = {
        alt: base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode() for alt, uri in odi.charts
    }
    [by_group] = [svg for alt, svg in pictures.items() if "by condition group" in alt]
    assert "All episodes 69%" in by_group and "Low back pain 80%" in by_group and "Neck pain" not in by_group
    # By technique: Tess's 10 deep tissue episodes are drawn (8 of 10, 80%); Pia's 3 myofascial release ones are not.
    [by_technique] = [svg for alt, svg in pictures.items() if "by dominant technique" in alt]
    assert "All episodes 69%" in by_technique and "80%" in by_technique and "yofascial" not in by_technique
    for alt, uri in odi.charts:
        assert f'src="{uri}" alt="{alt}"' in r.content.decode()


def test_admins_are_led_to_the_condition_groups(client: Client, ada: User, tess: User) -> None:
    link = f'href="{reverse("analytics:condition_groups")}"'
    assert link in _page(client, ada).content.decode()
    client.logout()
    assert link not in _page(client, tess).content.decode()


def test_dose_of_one_technique(organization: Organization, clinic: None) -> None:
    """Deep tissue only: Tess's 10 episodes by their deep tissue minutes (Pia's did myofascial release or none)."""
    deep_tissue = Technique.objects.get(organization=organization, code="deep-tissue")
    dose = _by_label(evidence(organization, "ODI", by="dose", technique=deep_tissue))
    assert {label: (row.n, row.responders) for label, row in dose.items()} == {
        "under 120 min": (2, 2),
        "120–299 min": (4, 4),
        "300+ min": (4, 2),
    }


def test_an_unknown_breakdown_is_refused(organization: Organization) -> None:
    with pytest.raises(ValueError, match="Unknown breakdown 'colour'"):
        evidence(organization, "ODI", by="colour")
