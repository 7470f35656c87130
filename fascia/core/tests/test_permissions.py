"""Every page and endpoint, tried by every role: allowed or refused, as fascia.core.roles says.

A new page or endpoint must be added to PAGES or ENDPOINTS; test_every_url_is_covered fails otherwise.
"""

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fascia.billing.claims.services import create_claim, unbilled_notes
from fascia.billing.models import Batch, Clearinghouse, NcciPair
from fascia.billing.tests.factories import billable_patient
from fascia.conftest import login, make_user
from fascia.core.models import Location, Organization, Room, User
from fascia.core.roles import Role
from fascia.evaluations.services import sign_evaluation, start_evaluation
from fascia.evaluations.tests.factories import complete_draft
from fascia.patients import services
from fascia.patients.intake import submit_intake
from fascia.patients.models import Patient
from fascia.patients.tests.factories import PatientFactory, drawn_png
from fascia.plans.services import add_home_care_item, create_plan
from fascia.practitioners.models import Credential, Practitioner, RenewalRequirement
from fascia.practitioners.tests.factories import pdf_upload
from fascia.referrals.models import ReferringProvider
from fascia.referrals.services import record_referral
from fascia.scheduling.models import AppointmentType, WaitlistEntry, WorkingHours
from fascia.scheduling.services import add_to_waitlist, book_appointment
from fascia.visits.services import start_note

ALL = {Role.ADMIN, Role.PRACTITIONER, Role.FRONT_DESK, Role.BILLING}
CLINICAL = {Role.ADMIN, Role.PRACTITIONER}
REGISTRATION = {Role.ADMIN, Role.PRACTITIONER, Role.FRONT_DESK}
ADMIN = {Role.ADMIN}
PRACTITIONER = {Role.PRACTITIONER}
NOTES = {Role.ADMIN, Role.PRACTITIONER, Role.BILLING}  # billing reads the notes that support a claim (see below)
CLAIMS = {Role.ADMIN, Role.BILLING}
BILLING = {Role.BILLING}
INSURANCE = {Role.ADMIN, Role.FRONT_DESK, Role.BILLING}  # a patient's coverage
DESK = {Role.ADMIN, Role.FRONT_DESK}  # the Today board

# url name -> (roles allowed, how to build the args from the fixtures)
PAGES = {
    "core:home": (ALL, lambda f: []),
    "core:organization_edit": (ADMIN, lambda f: []),
    "core:location_list": (ADMIN, lambda f: []),
    "core:location_create": (ADMIN, lambda f: []),
    "core:location_edit": (ADMIN, lambda f: [f["location"].public_id]),
    "core:room_create": (ADMIN, lambda f: [f["location"].public_id]),
    "core:room_edit": (ADMIN, lambda f: [f["location"].public_id, f["room"].public_id]),
    "practitioners:staff_list": (ADMIN, lambda f: []),
    "practitioners:staff_create": (ADMIN, lambda f: []),
    "practitioners:staff_edit": (ADMIN, lambda f: [f["frank"].public_id]),
    "patients:list": (ALL, lambda f: []),
    "patients:create": (REGISTRATION, lambda f: []),
    "patients:chart": (ALL, lambda f: [f["patient"].public_id]),
    "patients:edit": (REGISTRATION, lambda f: [f["patient"].public_id]),
    "patients:consent_add": (REGISTRATION, lambda f: [f["patient"].public_id]),
    "patients:consent_sign": (REGISTRATION, lambda f: [f["patient"].public_id, "treatment"]),
    "patients:consent_pdf": (ALL, lambda f: [f["patient"].public_id, f["signed_consent"].public_id]),
    "patients:consent_versions": (ADMIN, lambda f: []),
    "patients:consent_publish": (ADMIN, lambda f: ["treatment"]),
    "patients:history_add": (CLINICAL, lambda f: [f["patient"].public_id, "condition"]),
    "patients:medication_edit": (CLINICAL, lambda f: [f["patient"].public_id, f["medication"].public_id]),
    "patients:intake_review": (REGISTRATION, lambda f: [f["patient"].public_id, f["intake"].public_id]),
    "patients:intake_card": (ALL, lambda f: [f["patient"].public_id, f["intake"].public_id, "front"]),
    "core:audit_search": (ADMIN, lambda f: []),
    "evaluations:detail": (CLINICAL, lambda f: [f["evaluation"].public_id]),
    "evaluations:edit": (PRACTITIONER, lambda f: [f["evaluation"].public_id]),
    "evaluations:pdf": (CLINICAL, lambda f: [f["evaluation"].public_id]),
    "evaluations:icd10": (PRACTITIONER, lambda f: []),
    "techniques:catalog": (CLINICAL, lambda f: []),
    "scheduling:day": (ALL, lambda f: []),
    "scheduling:week": (ALL, lambda f: []),
    "scheduling:book": (REGISTRATION, lambda f: []),
    "scheduling:patient_picker": (REGISTRATION, lambda f: []),
    "scheduling:reschedule": (REGISTRATION, lambda f: [f["appointment"].public_id]),
    "scheduling:free": (REGISTRATION, lambda f: []),
    "scheduling:waitlist": (REGISTRATION, lambda f: []),
    "scheduling:online_booking": (ADMIN, lambda f: []),
    "frontdesk:today": (DESK, lambda f: []),
    "techniques:create": (ADMIN, lambda f: []),
    "techniques:edit": (ADMIN, lambda f: ["swedish"]),
    "plans:detail": (CLINICAL, lambda f: [f["plan"].public_id]),
    "plans:home_care": (CLINICAL, lambda f: [f["plan"].public_id]),
    "plans:home_care_image": (CLINICAL, lambda f: [f["plan"].public_id, f["home_care_item"].public_id]),
    "referrals:provider_list": (REGISTRATION, lambda f: []),
    "referrals:provider_create": (REGISTRATION, lambda f: []),
    "referrals:provider_edit": (REGISTRATION, lambda f: [f["provider"].public_id]),
    "referrals:referral_add": (REGISTRATION, lambda f: [f["patient"].public_id]),
    "referrals:correspondence_add": (REGISTRATION, lambda f: [f["patient"].public_id]),
    "referrals:document": (REGISTRATION, lambda f: ["referral", f["referral"].public_id]),
    "visits:dashboard": (PRACTITIONER, lambda f: []),
    "visits:detail": (NOTES, lambda f: [f["billed_note"].public_id]),  # the draft: test_note_rules
    "visits:patient_notes": (NOTES, lambda f: [f["patient"].public_id]),
    "visits:edit": (PRACTITIONER, lambda f: [f["note"].public_id]),
    "records:verify": (ADMIN, lambda f: []),
    "practitioners:requirements": (ADMIN, lambda f: []),
    "practitioners:requirement_create": (ADMIN, lambda f: []),
    "practitioners:requirement_edit": (ADMIN, lambda f: [RenewalRequirement.objects.first().pk]),
    "billing:queue": (CLAIMS, lambda f: []),
    "billing:claim": (CLAIMS, lambda f: [f["claim"].public_id]),
    "billing:claim_pdf": (CLAIMS, lambda f: [f["claim"].public_id]),
    "billing:reports": (CLAIMS, lambda f: []),
    "analytics:outcomes": (CLINICAL, lambda f: []),  # admins: the clinic's; a practitioner: their own beside it
    "analytics:condition_groups": (ADMIN, lambda f: []),
    "billing:payers": (CLAIMS, lambda f: []),
    "billing:payer_create": (CLAIMS, lambda f: []),
    "billing:payer_edit": (CLAIMS, lambda f: [f["claim"].payer.public_id]),
    "billing:fee_add": (CLAIMS, lambda f: [f["claim"].payer.public_id]),
    "billing:ncci_pair_create": (CLAIMS, lambda f: []),
    "billing:ncci_pair_edit": (CLAIMS, lambda f: [NcciPair.objects.get(column_2="97124").public_id]),
    "billing:clearinghouse_create": (CLAIMS, lambda f: []),
    "billing:clearinghouse_edit": (CLAIMS, lambda f: [f["clearinghouse"].public_id]),
    "billing:statement": (CLAIMS, lambda f: [f["claim"].patient.public_id]),
    "billing:remittances": (BILLING, lambda f: []),
    "billing:batch": (BILLING, lambda f: [f["batch"].control_number]),
    "billing:patient_record": (INSURANCE, lambda f: [f["patient"].public_id, "coverage"]),
    "billing:patient_record_edit": (
        INSURANCE,
        lambda f: [f["claim"].patient.public_id, "coverage", f["claim"].coverage.public_id],
    ),
    # A practitioner's own credential pages (tess's here); admins see everyone's.
    "practitioners:mine": (PRACTITIONER, lambda f: []),  # an admin without a practitioner profile: 403
    "practitioners:detail": (CLINICAL, lambda f: [f["appointment"].practitioner.public_id]),
    "practitioners:transcript": (CLINICAL, lambda f: [f["appointment"].practitioner.public_id]),
    "practitioners:document": (CLINICAL, lambda f: [f["credential"].public_id, "credential"]),
    "practitioners:compliance": (ADMIN, lambda f: []),
    "analytics:practice": (ADMIN, lambda f: []),
    "analytics:finances": (CLAIMS, lambda f: []),
    "analytics:monthly_pdf": (ADMIN, lambda f: []),  # the owner's report: the practice's and the finances' figures
}
# Reached by POST: (roles allowed, args, data posted, status for an allowed role).
NPRS_4 = {"instrument": "NPRS", "item-0": "4"}
TECHNIQUE = {"technique-technique": "swedish", "technique-region": "neck"}
POST_ONLY = {
    "patients:history_status": (
        CLINICAL,
        lambda f: [f["patient"].public_id, "condition", f["condition"].public_id],
        {"status": "inactive"},
        302,
    ),
    "patients:medication_answer": (
        CLINICAL,
        lambda f: [f["patient"].public_id, f["medication"].public_id],
        {"bleeding_answer": "unknown"},
        302,
    ),
    # The fixture's item is the patient's email (details): the front desk decides it too; the medical history's
    # items need CHANGE_HISTORY besides (fascia/patients/tests/test_intake.py).
    "patients:intake_decide": (
        REGISTRATION,
        lambda f: [f["patient"].public_id, f["intake"].public_id, f["intake"].items.get().public_id],
        {"decision": "reject"},
        302,
    ),
    "evaluations:start": (PRACTITIONER, lambda f: [f["patient"].public_id], {}, 302),
    "evaluations:sign": (PRACTITIONER, lambda f: [f["evaluation"].public_id], {}, 302),
    "evaluations:discard": (PRACTITIONER, lambda f: [f["evaluation"].public_id], {}, 302),
    # Without htmx a section's save opens the form again at the section (saved, or with what was wrong).
    "evaluations:section": (PRACTITIONER, lambda f: [f["evaluation"].public_id, "pain"], {}, 302),
    "evaluations:addendum": (CLINICAL, lambda f: [f["evaluation"].public_id], {"text": "x"}, 302),
    "evaluations:measure": (PRACTITIONER, lambda f: [f["evaluation"].public_id], NPRS_4, 302),
    "evaluations:measure_preview": (PRACTITIONER, lambda f: [], NPRS_4, 200),
    # The evaluation raised no red flag: the form comes back with its field errors.
    "evaluations:clearance": (PRACTITIONER, lambda f: [f["evaluation"].public_id], {}, 200),
    "plans:create": (PRACTITIONER, lambda f: [f["signed_evaluation"].public_id], {}, 302),
    "plans:edit": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:add_goal": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:remove_goal": (PRACTITIONER, lambda f: [f["plan"].public_id, 999], {}, 302),
    "plans:screen": (PRACTITIONER, lambda f: [f["plan"].public_id], TECHNIQUE, 200),
    "plans:add_technique": (PRACTITIONER, lambda f: [f["plan"].public_id], TECHNIQUE, 302),
    "plans:remove_technique": (PRACTITIONER, lambda f: [f["plan"].public_id, 999], {}, 302),
    "plans:add_questionnaire": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:remove_questionnaire": (PRACTITIONER, lambda f: [f["plan"].public_id, 999], {}, 302),
    "plans:add_home_care": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:remove_home_care": (PRACTITIONER, lambda f: [f["plan"].public_id, f["plan"].public_id], {}, 302),
    "plans:send_questionnaire": (CLINICAL, lambda f: [f["plan"].public_id, "ODI"], {}, 302),
    "plans:change_treated": (PRACTITIONER, lambda f: [f["plan"].public_id, "goals", 999], {}, 302),
    "plans:activate": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:revise": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:end": (PRACTITIONER, lambda f: [f["plan"].public_id], {}, 302),
    "plans:letter": (CLINICAL, lambda f: [f["plan"].public_id], {}, 302),
    "plans:letter_preview": (CLINICAL, lambda f: [f["plan"].public_id], {}, 302),
    # The fixture's patient has no email address: refused with a message, back to the chart.
    "patients:portal_invite": (REGISTRATION, lambda f: [f["patient"].public_id], {}, 302),
    # The fixture's patient has no portal account: refused with a message, back to the chart.
    "patients:portal_close": (REGISTRATION, lambda f: [f["patient"].public_id], {}, 302),
    "scheduling:cancel": (REGISTRATION, lambda f: [f["appointment"].public_id], {"reason": "Ill"}, 302),
    "scheduling:move": (REGISTRATION, lambda f: [f["appointment"].public_id, "check-in"], {}, 302),
    # Nothing to move it to: refused with the form's reasons.
    "scheduling:drop": (REGISTRATION, lambda f: [f["appointment"].public_id], {}, 409),
    "scheduling:waitlist_resolve": (REGISTRATION, lambda f: [f["waitlist"].public_id], {}, 302),
    "frontdesk:move": (DESK, lambda f: [f["appointment"].public_id, "check-in"], {}, 302),
    "visits:start": (PRACTITIONER, lambda f: [f["patient"].public_id], {}, 302),
    "visits:for_appointment": (PRACTITIONER, lambda f: [f["appointment"].public_id], {}, 302),
    "visits:minutes": (PRACTITIONER, lambda f: [f["note"].public_id], {}, 200),
    "visits:template": (PRACTITIONER, lambda f: [f["note"].public_id], {"template": "neck-pain"}, 302),
    "visits:sign": (PRACTITIONER, lambda f: [f["note"].public_id], {}, 302),
    "visits:addendum": (CLINICAL, lambda f: [f["note"].public_id], {"text": "x"}, 302),
    "visits:measure": (PRACTITIONER, lambda f: [f["note"].public_id], NPRS_4, 302),
    "billing:build": (BILLING, lambda f: [], {}, 302),
    "billing:export": (BILLING, lambda f: [], {}, 302),
    "billing:check": (BILLING, lambda f: [f["claim"].public_id], {}, 302),
    "billing:status": (BILLING, lambda f: [f["claim"].public_id], {"status": "closed", "note": "x"}, 302),
    # No such payment: refused with a message, back to the Payments page.
    "billing:post_held": (BILLING, lambda f: [999], {}, 302),
    "billing:dismiss_held": (BILLING, lambda f: [999], {"note": "x"}, 302),
    # The fixture's claim is a draft: refused with a message (nothing to coordinate), back to the claim (302).
    "billing:draft_secondary": (BILLING, lambda f: [f["claim"].public_id], {}, 302),
    # An empty form comes back with its field errors (200).
    "practitioners:credential_add": (ADMIN, lambda f: [f["appointment"].practitioner.public_id], {}, 200),
    "practitioners:course_add": (CLINICAL, lambda f: [f["appointment"].practitioner.public_id], {}, 200),
}
# Pages every signed-in user may open whatever the role (own account) or anyone (sign-in).
NOT_ROLE_BASED = {"login", "logout", "password_change", "core:setup", "core:two_factor_setup", "core:two_factor_verify"}
# Public: anyone, signed in or not (a load balancer's health check).
PUBLIC = {"core:healthz"}
# Public, the token in the address being the key: a patient's questionnaire link (fascia/measures/tests).
TOKEN_PAGES = {"questionnaires:answer"}
# Anyone, signed in or not, is sent on to a static file (browsers ask for /favicon.ico by habit).
STATIC_REDIRECTS = {"core:favicon": "/static/img/favicon.svg"}

PATIENT_BODY = {"family_name": "Quayle", "given_name": "Nora", "birth_date": "1990-01-01", "sex": "female"}
ENDPOINTS = {
    ("GET", "/api/v1/patients"): ALL,
    ("POST", "/api/v1/patients"): REGISTRATION,
    ("GET", "/api/v1/patients/{patient_id}"): ALL,
    ("PATCH", "/api/v1/patients/{patient_id}"): REGISTRATION,
    ("POST", "/api/v1/patients/{patient_id}/medications"): CLINICAL,
    ("PATCH", "/api/v1/patients/{patient_id}/medications/{medication_id}"): CLINICAL,
    # Instrument definitions and scoring hold no patient data: every role.
    ("GET", "/api/v1/measures"): ALL,
    ("POST", "/api/v1/measures/score"): ALL,
    ("GET", "/api/v1/patients/{patient_id}/evaluations"): CLINICAL,
    ("GET", "/api/v1/patients/{patient_id}/chart"): ALL,  # each section for the roles that may read it
    ("POST", "/api/v1/patients/{patient_id}/evaluations"): PRACTITIONER,
    ("GET", "/api/v1/evaluations/{evaluation_id}"): CLINICAL,
    ("PATCH", "/api/v1/evaluations/{evaluation_id}"): PRACTITIONER,
    ("POST", "/api/v1/evaluations/{evaluation_id}/sign"): PRACTITIONER,
    ("POST", "/api/v1/evaluations/{evaluation_id}/clearances"): PRACTITIONER,
    ("GET", "/api/v1/techniques"): CLINICAL,
    ("POST", "/api/v1/patients/{patient_id}/screen"): CLINICAL,
    ("GET", "/api/v1/appointments"): ALL,
    ("POST", "/api/v1/appointments"): REGISTRATION,
    ("POST", "/api/v1/appointments/{appointment_id}/cancel"): REGISTRATION,
    ("POST", "/api/v1/appointments/{appointment_id}/reschedule"): REGISTRATION,
    ("GET", "/api/v1/appointments/free-slots"): REGISTRATION,
    ("GET", "/api/v1/patients/{patient_id}/notes"): NOTES,
    ("POST", "/api/v1/patients/{patient_id}/notes"): PRACTITIONER,
    ("GET", "/api/v1/notes/{note_id}"): NOTES,
    ("PATCH", "/api/v1/notes/{note_id}"): PRACTITIONER,
    ("POST", "/api/v1/notes/{note_id}/sign"): PRACTITIONER,
    # Credentials and courses: admins and the practitioner themself (the fixture's practitioner is
    # tess, the practitioner persona); only admins record credentials.
    ("GET", "/api/v1/practitioners/{practitioner_id}/credentials"): CLINICAL,
    ("POST", "/api/v1/practitioners/{practitioner_id}/credentials"): ADMIN,
    ("GET", "/api/v1/practitioners/{practitioner_id}/courses"): CLINICAL,
    ("POST", "/api/v1/practitioners/{practitioner_id}/courses"): CLINICAL,
}
ENDPOINT_BODIES = {
    "/api/v1/patients": PATIENT_BODY,
    "/api/v1/patients/{patient_id}/medications": {"name": "Eliquis 5 mg BID"},
    "/api/v1/patients/{patient_id}/medications/{medication_id}": {"dose": "5 mg twice daily"},
    "/api/v1/measures/score": {"instrument": "NPRS", "responses": [4]},
    "/api/v1/patients/{patient_id}/evaluations": {"chief_complaint": "Neck pain"},
    "/api/v1/evaluations/{evaluation_id}/sign": {},
    "/api/v1/evaluations/{evaluation_id}/clearances": {
        "flag": "calf_swelling",
        "kind": "referred",
        "provider": "Vascular clinic",
        "decided_on": "2026-11-03",
    },
    "/api/v1/patients/{patient_id}/screen": {"technique": "deep-tissue", "region": "lower-back"},
    "/api/v1/appointments/{appointment_id}/cancel": {"reason": "Ill"},
    "/api/v1/appointments/{appointment_id}/reschedule": {"start_at": "2030-01-07T12:00:00-05:00"},
    "/api/v1/patients/{patient_id}/notes": {"subjective": "Less stiff this week"},
    "/api/v1/notes/{note_id}": {"subjective": "Less stiff this week"},
    "/api/v1/notes/{note_id}/sign": {},
    "/api/v1/practitioners/{practitioner_id}/credentials": {
        "kind": "cpr",
        "name": "CPR and first aid",
        "issuing_body": "American Red Cross",
        "issued_on": "2025-01-01",
        "expires_on": "2027-01-01",
    },
    "/api/v1/practitioners/{practitioner_id}/courses": {
        "title": "Ethics in medical massage",
        "provider": "NW Institute",
        "category": "ethics",
        "hours": "3",
        "started_on": "2025-01-10",
        "completed_on": "2025-01-10",
    },
}
# An allowed call's status where it is not 200.
ENDPOINT_SUCCESS = {
    ("POST", "/api/v1/patients"): 201,
    ("POST", "/api/v1/patients/{patient_id}/medications"): 201,
    ("POST", "/api/v1/patients/{patient_id}/evaluations"): 201,
    ("POST", "/api/v1/evaluations/{evaluation_id}/sign"): 422,  # the draft is incomplete: still allowed
    ("POST", "/api/v1/evaluations/{evaluation_id}/clearances"): 422,  # the evaluation raised no such flag
    ("POST", "/api/v1/appointments"): 201,
    ("POST", "/api/v1/patients/{patient_id}/notes"): 201,
    ("POST", "/api/v1/notes/{note_id}/sign"): 422,  # the draft is incomplete: still allowed
    ("POST", "/api/v1/practitioners/{practitioner_id}/credentials"): 201,
    ("POST", "/api/v1/practitioners/{practitioner_id}/courses"): 201,
}
# Bodies and queries that need the fixtures.
ENDPOINT_BODY_BUILDERS = {
    "/api/v1/appointments": lambda f: {
        "patient_id": str(f["patient"].public_id),
        "practitioner_id": str(f["appointment"].practitioner.public_id),
        "location_id": str(f["location"].public_id),
        "type": "follow-up-30",
        "start_at": "2030-01-07T11:00:00-05:00",
        "confirm_limits": True,  # past the fixture patient's referral: asked of every role alike
    },
}
ENDPOINT_QUERIES = {
    ("GET", "/api/v1/appointments"): "?date=2030-01-07",
    ("GET", "/api/v1/appointments/free-slots"): "?type=follow-up-30",
}


@pytest.fixture
def fixtures(personas: dict[str, User], location: Location, organization: Organization) -> dict:
    patient = PatientFactory(organization=organization)
    condition = services.add_history_entry(
        actor=personas[Role.PRACTITIONER], patient=patient, kind="condition", description="Neck pain"
    )
    tess = personas[Role.PRACTITIONER]
    medication = services.add_history_entry(actor=tess, patient=patient, kind="medication", name="Vitamin D")
    provider = ReferringProvider.objects.create(
        organization=organization, kind="physician", name="Dr. Test", npi="1558598797"
    )
    referral = record_referral(
        actor=tess,
        patient=patient,
        provider=provider,
        referral_date=date(2026, 11, 1),
        order="Massage 2x/week",
        visits_authorized=12,
        expires_on=date(2027, 2, 1),
        upload=SimpleUploadedFile("r.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    signed = sign_evaluation(actor=tess, evaluation=complete_draft(tess, patient))
    plan = create_plan(
        actor=tess,
        evaluation=signed,
        start_date=date(2026, 11, 3),
        visits_per_week=2,
        duration_weeks=6,
        planned_visits=12,
    )
    tess.practitioner.locations.add(location)
    WorkingHours.objects.create(
        practitioner=tess.practitioner, location=location, weekday=0, starts=time(8), ends=time(18)
    )
    appointment = book_appointment(
        actor=tess,
        patient=PatientFactory(organization=organization),
        practitioner=tess.practitioner,
        location=location,
        appointment_type=AppointmentType.objects.get(code="follow-up-30"),
        start_at=datetime(2030, 1, 7, 10, tzinfo=ZoneInfo("America/New_York")),
    )
    waitlist = add_to_waitlist(
        actor=tess,
        entry=WaitlistEntry(
            patient=patient,
            appointment_type=AppointmentType.objects.get(code="follow-up-30"),
            earliest=date(2030, 1, 1),
            latest=date(2030, 2, 1),
        ),
    )
    coverage = billable_patient(tess, organization, start=date(2026, 11, 2))
    claim = create_claim(actor=tess, coverage=coverage, notes=unbilled_notes(coverage.patient, coverage))
    cpr = Credential.objects.create(
        practitioner=tess.practitioner,
        kind=Credential.Kind.CPR,
        name="CPR and first aid",
        issuing_body="American Red Cross",
        issued_on=date(2024, 6, 1),
        expires_on=date(2031, 6, 1),
        document=pdf_upload(),
        document_type="application/pdf",
    )
    treatment = services.publish_consent_document(
        actor=personas[Role.ADMIN], organization=organization, kind="treatment", title="Consent", text="I agree."
    )
    signed_consent = services.sign_consent_document(
        actor=personas[Role.FRONT_DESK],
        patient=patient,
        document=treatment,
        typed_name="Pat Test",
        signature=drawn_png(),
        agreed_to_electronic_records=True,
        ip=None,
        user_agent="test",
    )
    home_care_item = add_home_care_item(
        actor=tess,
        plan=plan,
        name="Knee to chest",
        instructions="Hold 20 seconds.",
        image=SimpleUploadedFile("k.png", drawn_png(), content_type="image/png"),
    )
    card = SimpleUploadedFile("card.png", drawn_png(), content_type="image/png")
    submitted_intake = submit_intake(
        actor=tess, patient=patient, data={"demographics": {"email": "pat@example.com"}}, files={"card_front": card}
    )
    submitted_intake.items.filter(kind="cards").delete()
    return {
        "home_care_item": home_care_item,
        "intake": submitted_intake,
        "signed_consent": signed_consent,
        "clearinghouse": Clearinghouse.objects.get(organization=organization, is_default=True),
        "waitlist": waitlist,
        "appointment": appointment,
        "evaluation": start_evaluation(actor=tess, patient=patient),
        "note": start_note(actor=tess, patient=patient),
        "claim": claim,
        "billed_note": claim.billed_notes.first().note,
        "batch": Batch.objects.create(organization=organization, control_number=1, content="ISA*"),
        "signed_evaluation": signed,
        "plan": plan,
        "provider": provider,
        "referral": referral,
        "location": location,
        "room": Room.objects.create(location=location, name="Room 1"),
        "frank": personas[Role.FRONT_DESK],
        "patient": patient,
        "condition": condition,
        "medication": medication,
        "credential": cpr,
        "practitioner": tess.practitioner,
    }


def _named_urls(resolver: URLResolver = None, namespace: str = "") -> set[str]:  # type: ignore[assignment]
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue
            names |= _named_urls(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_url_is_covered() -> None:
    # The patient portal's pages (/my/) have their own meta-test: fascia/portal/tests/test_portal_permissions.py;
    # the FHIR server's (/fhir/r4/, bearer tokens only) theirs: fascia/fhir/tests/test_access.py.
    named = {name for name in _named_urls() if not name.startswith(("portal:", "fhir:"))}
    assert named == set(PAGES) | set(POST_ONLY) | NOT_ROLE_BASED | PUBLIC | TOKEN_PAGES | set(STATIC_REDIRECTS)


def test_every_endpoint_is_covered() -> None:
    from fascia.api import api

    paths = api.get_openapi_schema()["paths"]
    operations = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert operations == set(ENDPOINTS)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("role", sorted(ALL))
def test_pages_allow_exactly_their_roles(client, personas, fixtures, name: str, role: str) -> None:
    allowed, args = PAGES[name]
    login(client, personas[role])
    status = client.get(reverse(name, args=args(fixtures))).status_code
    assert (status == 200) == (role in allowed), f"{role} got {status} for {name}"
    assert status in (200, 403)


@pytest.mark.parametrize("name", sorted(POST_ONLY))
@pytest.mark.parametrize("role", sorted(ALL))
def test_post_only_urls_refuse_other_roles(client, personas, fixtures, name: str, role: str) -> None:
    allowed, args, data, success = POST_ONLY[name]
    login(client, personas[role])
    status = client.post(reverse(name, args=args(fixtures)), data).status_code
    assert status == (success if role in allowed else 403)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_users_are_sent_to_sign_in(client, fixtures, name: str) -> None:
    r = client.get(reverse(name, args=PAGES[name][1](fixtures)))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_pages_answer_anyone_without_the_database(client, name: str) -> None:
    # No `db` fixture: pytest-django fails any query this request would make.
    r = client.get(reverse(name))
    assert r.status_code == 200 and r.content == b"ok"
    assert r["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("name", sorted(PUBLIC))
@pytest.mark.parametrize("role", sorted(ALL))
def test_public_pages_answer_every_role(client, personas, name: str, role: str) -> None:
    login(client, personas[role])
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", sorted(STATIC_REDIRECTS))
def test_static_redirects_answer_anyone_without_the_database(client, name: str) -> None:
    r = client.get(reverse(name))
    assert (r.status_code, r["Location"]) == (301, STATIC_REDIRECTS[name])


@pytest.mark.parametrize("name", sorted(STATIC_REDIRECTS))
@pytest.mark.parametrize("role", sorted(ALL))
def test_static_redirects_answer_every_role(client, personas, name: str, role: str) -> None:
    login(client, personas[role])
    assert client.get(reverse(name)).status_code == 301


def test_an_inactive_account_cannot_sign_in(client, olga: User) -> None:
    from fascia.conftest import PASSWORD

    r = client.post(reverse("login"), {"username": "olga", "password": PASSWORD})
    assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated


def endpoint_url(fixtures: dict, method: str, path: str) -> str:
    return path.format(
        patient_id=fixtures["patient"].public_id,
        evaluation_id=fixtures["evaluation"].public_id,
        appointment_id=fixtures["appointment"].public_id,
        # Reading: a note on a claim (billing reads no draft: test_note_rules); changing: the draft.
        note_id=(fixtures["billed_note"] if method == "GET" else fixtures["note"]).public_id,
        practitioner_id=fixtures["practitioner"].public_id,
        medication_id=fixtures["medication"].public_id,
    ) + ENDPOINT_QUERIES.get((method, path), "")


@pytest.mark.parametrize("method, path", sorted(ENDPOINTS))
@pytest.mark.parametrize("role", sorted(ALL))
def test_endpoints_allow_exactly_their_roles(client, personas, fixtures, method: str, path: str, role: str) -> None:
    login(client, personas[role])
    url = endpoint_url(fixtures, method, path)
    body = ENDPOINT_BODIES.get(path, {"pronouns": "she/her"} if "patients" in path else {"posture": "Forward head"})
    if path in ENDPOINT_BODY_BUILDERS and method == "POST":
        body = ENDPOINT_BODY_BUILDERS[path](fixtures)
    patients = Patient.objects.count()
    if method == "GET":
        r = client.get(url)
    else:
        r = client.generic(method, url, data=json.dumps(body), content_type="application/json")
    expected = ENDPOINT_SUCCESS.get((method, path), 200) if role in ENDPOINTS[(method, path)] else 403
    assert r.status_code == expected, r.content
    if expected == 403:
        assert Patient.objects.count() == patients


def test_a_user_of_no_organization_has_no_organization_to_query(db) -> None:
    nobody = User.objects.create_user("nobody")
    with pytest.raises(PermissionDenied):
        _ = nobody.member_organization_id


# Object rules (fascia.core.roles): which notes each role reaches, through the pages and the API. Each case is
# (role, the note, what the role does with it) -> status. "read": the note's page and GET /api/v1/notes/{id};
# "edit": the edit page and PATCH /api/v1/notes/{id}.
NOTE_CASES = [
    # Billing reads a signed note while it supports a claim; a draft or a note on no claim is no note to it.
    (Role.BILLING, "draft", "read", 404),
    (Role.BILLING, "on_claim", "read", 200),
    (Role.BILLING, "on_closed_claim", "read", 200),
    (Role.BILLING, "on_no_claim", "read", 404),
    # A draft is its author's: another practitioner may read it, not open it to edit or change it.
    (Role.PRACTITIONER, "draft", "read", 200),
    (Role.PRACTITIONER, "draft", "edit", 200),
    (Role.PRACTITIONER, "others_draft", "read", 200),
    (Role.PRACTITIONER, "others_draft", "edit", 403),
    (Role.PRACTITIONER, "on_no_claim", "read", 200),
    (Role.ADMIN, "draft", "read", 200),
    (Role.ADMIN, "others_draft", "read", 200),
    (Role.ADMIN, "on_no_claim", "read", 200),
    (Role.ADMIN, "others_draft", "edit", 403),  # admins write no notes
]


@pytest.fixture
def notes(fixtures: dict, organization: Organization, personas) -> dict:
    from fascia.billing.claims.services import change_status

    tess = personas[Role.PRACTITIONER]
    paul = make_user(organization, "paul", Role.PRACTITIONER)
    Practitioner.objects.create(user=paul, credential_suffix="LMT", license_number="MA60000002", license_state="WA")
    unbilled = billable_patient(tess, organization, start=date(2026, 11, 5), visits=1)
    closed = billable_patient(tess, organization, start=date(2026, 11, 9), visits=1)
    closed_claim = create_claim(actor=tess, coverage=closed, notes=unbilled_notes(closed.patient, closed))
    change_status(actor=personas[Role.BILLING], claim=closed_claim, to="closed", note="Not sent")
    return {
        "draft": fixtures["note"],
        "others_draft": start_note(actor=paul, patient=fixtures["patient"]),
        "on_claim": fixtures["billed_note"],
        "on_closed_claim": closed_claim.billed_notes.get().note,
        "on_no_claim": unbilled.patient.visit_notes.get(),
    }


@pytest.mark.parametrize("role, which, action, status", NOTE_CASES)
def test_note_rules(client, personas, notes, role: str, which: str, action: str, status: int) -> None:
    from fascia.visits.models import VisitNote

    note = notes[which]
    login(client, personas[role])
    before = VisitNote.objects.get(pk=note.pk).subjective
    if action == "read":
        page = client.get(reverse("visits:detail", args=[note.public_id]))
        api = client.get(f"/api/v1/notes/{note.public_id}")
    else:
        page = client.get(reverse("visits:edit", args=[note.public_id]))
        body = json.dumps({"subjective": "Changed by someone else"})
        api = client.patch(f"/api/v1/notes/{note.public_id}", body, content_type="application/json")
    assert (page.status_code, api.status_code) == (status, status), (page.status_code, api.content)
    if status != 200:
        assert VisitNote.objects.get(pk=note.pk).subjective == before


@pytest.mark.parametrize("which", ["draft", "on_no_claim"])
def test_billing_lists_only_the_notes_on_claims(client, personas, notes, which: str) -> None:
    """The patient's notes page, the chart and the API list: billing sees neither a draft nor a note on no claim."""
    login(client, personas[Role.BILLING])
    patient = notes[which].patient
    listed = client.get(f"/api/v1/patients/{patient.public_id}/notes").json()
    assert listed["items"] == []
    chart = client.get(f"/api/v1/patients/{patient.public_id}/chart").json()
    assert chart["notes"] == []
    page = client.get(reverse("visits:patient_notes", args=[patient.public_id]))
    assert page.status_code == 200 and str(notes[which].public_id) not in page.content.decode()
    login(client, personas[Role.PRACTITIONER])
    assert len(client.get(f"/api/v1/patients/{patient.public_id}/notes").json()["items"]) >= 1
