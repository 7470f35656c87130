"""Apart from test_seed.py, whose seeded clinic lasts for its module: this needs an empty database."""

import pytest
from django.db import transaction

from fascia.demo.seed import Size, seed
from fascia.measures.models import MeasureResult
from fascia.patients.models import Patient
from fascia.scheduling.models import Appointment
from fascia.visits.models import VisitNote


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_clinic() -> None:
    def clinic() -> list:
        with transaction.atomic():
            seed(Size(patients=12, practitioners=1, years=1), seed=3)
            rows = [
                list(Patient.objects.order_by("mrn").values_list("family_name", "birth_date", "public_id")),
                list(Appointment.objects.order_by("start_at").values_list("start_at", "status")),
                # Row ids are left out: PostgreSQL does not roll its sequences back.
                list(VisitNote.objects.order_by("appointment__start_at").values_list("kind", "status", "nprs_before")),
                list(
                    MeasureResult.objects.order_by("patient__mrn", "administered_on", "instrument").values_list("value")
                ),
            ]
            transaction.set_rollback(True)
        return rows

    first = clinic()
    assert all(first) and first == clinic()
