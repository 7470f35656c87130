"""Patients with portal accounts, for tests: opened through a real invitation, as a patient would."""

import secrets
from datetime import timedelta

from django.utils import timezone

from fascia.conftest import PASSWORD
from fascia.core.models import User
from fascia.patients import accounts
from fascia.patients.intake import submit_intake
from fascia.patients.models import Patient, PatientAccount, PortalInvitation


def invitation_for(patient: Patient, *, by: User | None = None) -> tuple[PortalInvitation, str]:
    """An open invitation for `patient` (without emailing it) and its token."""
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation.objects.create(
        patient=patient,
        email=patient.email or f"{patient.public_id}@example.com",
        token_hash=PortalInvitation.hash(token),
        expires_at=timezone.now() + timedelta(days=accounts.INVITATION_DAYS),
        created_by=by or User.objects.filter(organization_id=patient.organization_id, is_patient_account=False).first(),
    )
    return invitation, token


def patient_account(patient: Patient, email: str | None = None) -> User:
    """`patient`'s portal account (password fascia.conftest.PASSWORD), opened through an invitation."""
    invitation, _ = invitation_for(patient)
    return accounts.open_account(
        invitation=invitation, email=email or f"patient-{patient.public_id}@example.com", password=PASSWORD
    )


def intake_sent(patient: Patient) -> None:
    """The patient's intake, sent from the portal (a new patient books online only after it)."""
    account = PatientAccount.objects.get(patient=patient).user
    submit_intake(actor=account, patient=patient, data={"complaint": {"complaint": "Low back pain"}})


def portal_client(client, user: User):
    """`client`, signed in as the patient `user`."""
    client.force_login(user)
    return client


def portal_sign_in(page, live_server, user: User, password: str = PASSWORD) -> None:
    """Sign in through the portal's sign-in page, in a browser test."""
    page.goto(f"{live_server.url}/my/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
