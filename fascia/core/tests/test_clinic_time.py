"""One time zone everywhere, the clinic's (FASCIA_TIME_ZONE): every time a page, message, error or audit label
shows is clinic time, never UTC. These instants are late in the evening in New York and already tomorrow in UTC.
"""

from datetime import UTC, datetime

import pytest

from fascia.audit.models import AuditEvent
from fascia.core.models import User
from fascia.patients.models import Patient
from fascia.practitioners.models import CredentialAlert
from fascia.scheduling.models import Appointment, TimeOff
from fascia.visits.models import NoteAddendum

LATE = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)  # Sunday 1 March 2026, 22:30 in New York (EST)
LATER = datetime(2026, 3, 2, 4, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clinic_in_new_york(settings) -> None:
    settings.TIME_ZONE = "America/New_York"


class TestLabelsAreInClinicTime:
    def test_an_appointment_as_the_audit_trail_names_it(self, tess: User) -> None:
        patient = Patient(family_name="Rosales", given_name="Ravi", mrn="0000042")
        appointment = Appointment(patient=patient, practitioner=tess.practitioner, start_at=LATE)
        assert str(appointment).endswith("at 2026-03-01 22:30")

    def test_time_off(self, tess: User) -> None:
        off = TimeOff(practitioner=tess.practitioner, starts_at=LATE, ends_at=LATER)
        assert str(off).endswith("off 2026-03-01 22:30–2026-03-01 23:15")

    def test_an_addendum(self) -> None:
        assert str(NoteAddendum(created_at=LATE)).endswith("2026-03-01 22:30")

    def test_an_audit_entry(self) -> None:
        assert str(AuditEvent(at=LATE, action="x", target_type="y")).startswith("2026-03-01 22:30 ")

    def test_a_credential_alert_is_sent_on_the_clinics_day(self) -> None:
        assert str(CredentialAlert(key="license-30", sent_at=LATE)) == "license-30 sent 2026-03-01"
