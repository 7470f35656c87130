"""Credentials and CE courses, for the page and privilege tests."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fascia.practitioners.models import (
    CourseRecord,
    Credential,
    Practitioner,
    Specialty,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "copy.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def wa_license(practitioner: Practitioner, *, expires_in: int = 200, **fields: object) -> Credential:
    """A Washington massage license issued two years ago, expiring in `expires_in` days."""
    today = timezone.localdate()
    defaults = {
        "kind": Credential.Kind.LICENSE,
        "name": "Washington LMT",
        "issuing_body": "Washington State Department of Health",
        "state": "WA",
        "number": "MA60000001",
        "issued_on": today - timedelta(days=730),
        "expires_on": today + timedelta(days=expires_in),
    }
    return Credential.objects.create(practitioner=practitioner, **{**defaults, **fields})


def credential(practitioner: Practitioner, kind: str, **fields: object) -> Credential:
    """A current credential of `kind` (a specialty one in MLD unless told), issued a year ago."""
    today = timezone.localdate()
    defaults: dict[str, object] = {
        "name": Credential.Kind(kind).label,
        "issuing_body": "Issuer",
        "issued_on": today - timedelta(days=365),
        "expires_on": today + timedelta(days=365),
    }
    if kind == Credential.Kind.SPECIALTY:
        defaults |= {"specialty": Specialty.MLD, "name": "Certified Lymphedema Therapist", "issuing_body": "Klose"}
    if kind == Credential.Kind.LICENSE:
        defaults["state"] = "WA"
    return Credential.objects.create(practitioner=practitioner, kind=kind, **{**defaults, **fields})


def course(
    practitioner: Practitioner, hours: str | int, category: str, completed_on: date, **fields: object
) -> CourseRecord:
    defaults = {"title": f"{category.title()} course", "provider": "NW Institute", "started_on": completed_on}
    return CourseRecord.objects.create(
        practitioner=practitioner,
        hours=Decimal(str(hours)),
        category=category,
        completed_on=completed_on,
        **{**defaults, **fields},
    )
