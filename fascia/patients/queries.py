"""Reads of patient data that pages and the API share. Each takes the viewer."""

import re
from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.http import Http404

from fascia.core.models import User
from fascia.lib.contact import digits_only
from fascia.lib.search import search_terms
from fascia.patients.models import (
    Allergy,
    Condition,
    Consent,
    ConsentDocument,
    HistoryStatus,
    Implant,
    Medication,
    Patient,
    Surgery,
)

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


def _as_date(term: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(term, fmt).date()
        except ValueError:
            continue
    return None


def patients_for_user(user: User) -> QuerySet[Patient]:
    return Patient.objects.filter(organization_id=user.member_organization_id)


def search_patients(user: User, query: str = "", *, include_inactive: bool = False) -> QuerySet[Patient]:
    """Patients matching every term of `query`.

    A term that reads as a date matches the date of birth; a term with digits and dashes
    (a phone number or MRN) matches the digits; anything else is a fragment of a name.
    All but dates look in `search_text`, one column that PostgreSQL indexes with trigrams.
    Terms are split at spaces and commas, so a name typed as the list shows it ("Rosales, Ravi")
    finds the patient as "Ravi Rosales" does: each term is its own indexed fragment.
    """
    patients = patients_for_user(user).select_related("preferred_location")
    if not include_inactive:
        patients = patients.filter(is_active=True)
    terms = search_terms(query)
    for term in terms:
        born = _as_date(term)
        if born:
            patients = patients.filter(birth_date=born)
        elif re.fullmatch(r"[\d()\-.+]+", term) and digits_only(term):
            patients = patients.filter(search_text__contains=digits_only(term))
        else:
            patients = patients.filter(search_text__contains=term.lower())
    # In name order. With a term of three characters or more, which the trigram index narrows, sorted by
    # the name as an expression (the same order): else PostgreSQL may walk the name index testing each
    # patient until a page is full, which for a name late in the alphabet ("yarr") reads nearly all of
    # them, where the trigram index finds the few at once. A shorter term matches too many for the
    # index, and the walk stops soonest.
    first = Concat("family_name", Value("")) if any(len(term) >= 3 for term in terms) else "family_name"
    return patients.order_by(first, "given_name", "id")


def get_patient_for_user(user: User, public_id: UUID | str) -> Patient:
    """The patient with this id in the user's organization, or 404 (never another clinic's; a malformed id
    is no patient either)."""
    try:
        return (
            patients_for_user(user)
            .select_related("preferred_location", "preferred_practitioner__user", "created_by")
            .get(public_id=public_id)
        )
    except (Patient.DoesNotExist, ValidationError) as e:
        raise Http404("No such patient.") from e


def possible_duplicates(user: User, *, family_name: str, given_name: str, birth_date: date) -> list[Patient]:
    """Patients with the same name and date of birth, for the 'already registered?' warning."""
    matches = patients_for_user(user).filter(
        Q(family_name__iexact=family_name.strip()) & Q(given_name__iexact=given_name.strip()),
        birth_date=birth_date,
    )
    return list(matches[:5])


# The sections of the medical history the chart shows.
HISTORY_MODELS: dict[str, type[Condition] | type[Surgery] | type[Medication] | type[Allergy] | type[Implant]] = {
    "conditions": Condition,
    "surgeries": Surgery,
    "medications": Medication,
    "allergies": Allergy,
    "implants": Implant,
}


def chart_history(patient: Patient) -> dict[str, list[Condition | Surgery | Medication | Allergy | Implant]]:
    """The medical history shown on the chart: one query per section, however long each is."""
    return {
        name: list(model.objects.filter(patient=patient).exclude(status=HistoryStatus.ENTERED_IN_ERROR))
        for name, model in HISTORY_MODELS.items()
    }


def signature_on_file(consents: Iterable[Consent], kind: str, payer_id: int | None) -> Consent | None:
    """The billing signature of `kind` (assignment of benefits or release of information) that applies
    to a payer: the newest record given for that payer or for all payers; None when none is recorded.
    Takes the patient's consents (prefetched when reading many patients)."""
    applicable = [c for c in consents if c.kind == kind and c.payer_id in (None, payer_id)]
    return max(applicable, key=lambda c: (c.date, c.pk), default=None)


def current_consents(patient: Patient) -> list[Consent]:
    """The latest consent of each kind, and of each payer scope for the billing signatures (older ones
    stay on record, superseded)."""
    latest: dict[tuple[str, int | None], Consent] = {}
    consents = (
        Consent.objects.filter(patient=patient)
        .select_related("recorded_by", "payer")
        .only(
            "patient",
            "kind",
            "granted",
            "date",
            "allow_email",
            "allow_sms",
            "allow_voicemail",
            "signed_by",
            "representative_name",
            "payer__name",
            "public_id",
            "signed_pdf",
            "recorded_by__first_name",
            "recorded_by__last_name",
            "recorded_by__username",
        )
    )
    for consent in consents:
        latest.setdefault((consent.kind, consent.payer_id), consent)
    order = {kind: n for n, kind in enumerate(Consent.Kind.values)}
    return sorted(latest.values(), key=lambda c: (order[c.kind], c.payer_id is not None, c.payer_id or 0))


def current_consent_documents(organization_id: int) -> list[ConsentDocument]:
    """The version to sign of each of the organization's consent documents (its newest), in the order of the
    kinds; without their text (the chart lists them)."""
    latest: dict[str, ConsentDocument] = {}
    for document in ConsentDocument.objects.filter(organization_id=organization_id).defer("text"):
        latest.setdefault(document.kind, document)  # ordered by kind, newest version first
    return [latest[kind] for kind in ConsentDocument.KINDS if kind in latest]


def current_consent_document(organization_id: int, kind: str) -> ConsentDocument:
    """The version of one document a patient signs now; 404 when the clinic has published none of that kind."""
    document = ConsentDocument.objects.filter(organization_id=organization_id, kind=kind).order_by("-version").first()
    if document is None:
        raise Http404("No such consent document.")
    return document


# The consent flag that allows messages on each notification channel; a channel without one is never allowed.
CHANNEL_CONSENT = {"email": "allow_email", "sms": "allow_sms"}


def allows_messages(patient: Patient, channel: str) -> bool:
    """The patient's latest contact-preferences consent was given and allows this channel (the notification
    seam asks this before every message to a patient)."""
    latest = patient.consents.filter(kind=Consent.Kind.CONTACT).order_by("-date", "-id").first()
    flag = CHANNEL_CONSENT.get(channel)
    return latest is not None and latest.granted and flag is not None and getattr(latest, flag)


def consent_documents_for(patient: Patient) -> list[tuple[ConsentDocument, Consent | None]]:
    """Each document the clinic asks patients to sign, with the patient's signed consent to its current version
    (None while it is still to sign: never signed, declined, or signed on an older version)."""
    documents = current_consent_documents(patient.organization_id)
    signed = {
        consent.document_id: consent
        for consent in Consent.objects.filter(
            patient=patient, granted=True, document__in=[d.pk for d in documents]
        ).only("document", "date", "public_id", "signed_pdf")
    }
    return [(document, signed.get(document.pk)) for document in documents]
