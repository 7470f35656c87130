"""The portal speaks English and Spanish; staff pages stay in English."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from fascia.patients.tests.factories import PatientFactory
from fascia.portal.tests.factories import patient_account

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_the_portal_speaks_the_browsers_language(client) -> None:
    page = client.get(reverse("portal:login"), headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
    html = page.content.decode()
    assert '<html lang="es">' in html and "Inicie sesión en su portal del paciente" in html
    assert page["Content-Language"] == "es"


def test_the_patients_choice_beats_the_browser(client) -> None:
    chosen = client.post(reverse("portal:language"), {"language": "es", "next": reverse("portal:login")})
    assert chosen.status_code == 302 and chosen.url == reverse("portal:login")
    html = client.get(reverse("portal:login"), headers={"accept-language": "en-US"}).content.decode()
    assert "Iniciar sesión" in html
    client.post(reverse("portal:language"), {"language": "en", "next": reverse("portal:login")})
    assert "Sign in to your patient portal" in client.get(reverse("portal:login")).content.decode()


def test_staff_pages_stay_in_english_whatever_the_browser_or_the_portal_choice(client) -> None:
    client.post(reverse("portal:language"), {"language": "es", "next": reverse("portal:login")})
    html = client.get(reverse("login"), headers={"accept-language": "es"}).content.decode()
    assert "Sign in to Fascia" in html and "Iniciar" not in html


@pytest.mark.django_db
def test_a_form_error_is_in_the_patients_language(client) -> None:
    page = client.post(
        reverse("portal:login"), {"username": "x@example.com", "password": "nope"}, headers={"accept-language": "es"}
    )
    assert "no coinciden con ninguna cuenta del portal" in page.content.decode()


@pytest.mark.django_db
def test_the_intakes_choices_are_in_the_patients_language(client, tess) -> None:
    """The body regions, allergy kinds and sex are the chart's own choices, shown to the patient in Spanish; the
    staff chart keeps them in English."""
    patient = PatientFactory(organization=tess.organization)
    client.force_login(patient_account(patient))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    complaint = client.get(reverse("portal:intake") + "?step=complaint").content.decode()
    assert "Parte baja de la espalda" in complaint and "Lower back" not in complaint
    allergies = client.get(reverse("portal:intake") + "?step=allergies").content.decode()
    assert "Aceite, loción o crema de masaje" in allergies
    details = client.get(reverse("portal:intake")).content.decode()
    assert "Femenino" in details and ">Female<" not in details


def _text(quoted: str) -> str:
    """The string of a .po entry's quoted lines, its escapes (\\n, \\", \\\\) read as gettext reads them."""
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    joined = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', quoted))
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), joined)


def _entries() -> list[tuple[str, str, str]]:
    """(msgctxt, msgid, msgstr) of each entry without plural forms."""
    found = re.findall(r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', PO.read_text(), re.M)
    return [(_text(context), _text(msgid), _text(msgstr)) for context, msgid, msgstr in found if _text(msgid)]


def _plurals() -> list[tuple[str, str, list[str]]]:
    """(msgid, msgid_plural, [msgstr[0], msgstr[1], …]) of each entry with plural forms."""
    found = re.findall(
        r'^msgid ((?:".*"\n)+)msgid_plural ((?:".*"\n)+)((?:msgstr\[\d\] (?:".*"\n?)+)+)', PO.read_text(), re.M
    )
    return [
        (_text(one), _text(many), [_text(form) for form in re.split(r"msgstr\[\d\] ", forms)[1:]])
        for one, many, forms in found
    ]


def test_every_portal_text_has_its_spanish_and_the_compiled_catalog_is_current() -> None:
    entries, plurals = _entries(), _plurals()
    assert len(entries) > 50 and plurals
    assert [msgid for _, msgid, msgstr in entries if not msgstr] == []
    assert [one for one, _, forms in plurals if not all(forms)] == []
    with translation.override("es"):
        stale = [
            msgid
            for context, msgid, msgstr in entries
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) != msgstr
        ]
        stale += [one for one, many, forms in plurals if translation.ngettext(one, many, 2) != forms[1]]
    assert stale == [], "run `fascia compilemessages` after editing locale/es/LC_MESSAGES/django.po"
