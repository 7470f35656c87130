import struct
import zlib
from datetime import date

import factory

from fascia.core.models import Organization
from fascia.patients.models import Patient
from fascia.patients.services import next_mrn


class PatientFactory(factory.django.DjangoModelFactory):
    """A registered patient, built as the registration service would (MRN and search text)."""

    class Meta:
        model = Patient
        skip_postgeneration_save = True

    organization: Organization = factory.SubFactory("fascia.core.tests.factories.OrganizationFactory")
    family_name = factory.Sequence(lambda n: f"Family{n:04d}")
    given_name = factory.Faker("first_name")
    birth_date = factory.Sequence(lambda n: date(1950 + n % 50, 1 + n % 12, 1 + n % 28))
    sex = Patient.Sex.FEMALE
    phone = factory.Sequence(lambda n: f"206-555-{n % 10000:04d}")
    mrn = factory.LazyAttribute(lambda o: next_mrn(o.organization))  # from the clinic's counter, as registering does

    @factory.post_generation
    def search_text(obj: Patient, create: bool, extracted: object, **kwargs: object) -> None:
        obj.refresh_search_text()
        if create:
            obj.save(update_fields=["search_text"])


def drawn_png(width: int = 40, height: int = 12, *, ink: bool = True) -> bytes:
    """A PNG as a canvas exports one (8-bit RGBA): transparent, with a black stroke across the middle when `ink`."""
    rows = []
    for y in range(height):
        pixel = b"\x00\x00\x00\xff" if ink and y == height // 2 else b"\x00\x00\x00\x00"
        rows.append(b"\x00" + pixel * width)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
