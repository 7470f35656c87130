"""The four staff roles, each a Django group holding a fixed set of permissions.

The groups are rewritten from ROLE_PERMISSIONS after every migrate, so this table is the one
place that says who may do what. Views and API endpoints check the permissions, never role names.
"""

from typing import Any

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front-desk", "Front desk"
    BILLING = "billing", "Billing"


VIEW_PATIENT = "patients.view_patient"
ADD_PATIENT = "patients.add_patient"
CHANGE_PATIENT = "patients.change_patient"
VIEW_HISTORY = "patients.view_medical_history"
CHANGE_HISTORY = "patients.change_medical_history"
RECORD_CONSENT = "patients.record_consent"  # and have a patient sign a consent document on the clinic's device
INVITE_TO_PORTAL = "patients.add_portalinvitation"  # email a patient an invitation to the patient portal
PUBLISH_CONSENT_DOCUMENT = "patients.add_consentdocument"  # publish a new version of the clinic's consent documents
MANAGE_STAFF = "core.manage_staff"
MANAGE_LOCATIONS = "core.manage_locations"
VIEW_AUDIT = "audit.view_auditevent"
VIEW_EVALUATION = "evaluations.view_evaluation"
ADD_EVALUATION = "evaluations.add_evaluation"  # start and edit drafts, record measures at them
SIGN_EVALUATION = "evaluations.sign_evaluation"
ADD_ADDENDUM = "evaluations.add_addendum"
VIEW_TECHNIQUE = "techniques.view_technique"
CHANGE_TECHNIQUE = "techniques.change_technique"  # edit the catalog (admins)
VIEW_PLAN = "plans.view_treatmentplan"
ADD_PLAN = "plans.add_treatmentplan"  # write drafts: goals, screened techniques
ACTIVATE_PLAN = "plans.activate_treatmentplan"
SEND_QUESTIONNAIRE = "measures.add_questionnairelink"  # email a patient a link to answer a plan's questionnaire
VIEW_APPOINTMENT = "scheduling.view_appointment"
BOOK_APPOINTMENT = "scheduling.add_appointment"
CHANGE_APPOINTMENT = "scheduling.change_appointment"  # cancel, check in and out
OVERRIDE_APPOINTMENT = "scheduling.override_appointment"
VIEW_TODAY_BOARD = "scheduling.view_today_board"  # the front desk's Today board: arrivals, balances, paperwork
MANAGE_ONLINE_BOOKING = "scheduling.manage_online_booking"  # what patients may book online, the cancellation window
VIEW_PROVIDER = "referrals.view_referringprovider"
CHANGE_PROVIDER = "referrals.change_referringprovider"
VIEW_REFERRAL = "referrals.view_referral"  # and the correspondence log and stored documents
ADD_REFERRAL = "referrals.add_referral"
ADD_CORRESPONDENCE = "referrals.add_correspondence"
VIEW_NOTE = "visits.view_visitnote"
ADD_NOTE = "visits.add_visitnote"  # start and edit drafts, record measures at them
SIGN_NOTE = "visits.sign_visitnote"
ADD_NOTE_ADDENDUM = "visits.add_noteaddendum"
VERIFY_RECORDS = "records.view_seal"  # check the tamper-evident chain of signed records
VIEW_COVERAGE = "billing.view_coverage"
CHANGE_COVERAGE = "billing.change_coverage"  # a patient's insurance, injury cases, authorizations
CHANGE_PAYER = "billing.change_payer"  # payers and fee schedules
VIEW_CLAIM = "billing.view_claim"  # the billing queue, claims, ledgers and reports
SUBMIT_CLAIM = "billing.submit_claim"  # build claims, mark them ready, export, post payments
VIEW_CREDENTIALS = "practitioners.view_credential"  # admins: everyone's; a practitioner: their own
CHANGE_CREDENTIALS = "practitioners.change_credential"  # credentials and CE courses, with the same ownership rule
VIEW_OUTCOMES = "analytics.view_outcomes"  # admins: the clinic's outcome evidence; a practitioner: their own beside it
VIEW_PRACTICE = "analytics.view_practice"  # the practice dashboards: visits, utilization, referrals, cancellations
VIEW_FINANCES = "analytics.view_finances"  # the financial dashboards: revenue, collections, days in AR, denials
CHANGE_CONDITION_GROUP = "analytics.change_conditiongroup"  # the ICD-10-CM groups outcomes are broken down by

A, P, F, B = Role.ADMIN, Role.PRACTITIONER, Role.FRONT_DESK, Role.BILLING

# Each permission and the roles that hold it. Practitioners treat, so they read and write the medical
# history. The front desk registers patients and takes consents; it sees the history (allergies and
# medications matter when booking), but clinical entries are the practitioner's. It also takes referrals in
# and keeps the provider directory and the correspondence log. Billing needs demographics for claims, not
# the medical history (minimum necessary), and the visit notes that support a claim: payers ask for them.
HELD_BY: dict[str, tuple[Role, ...]] = {
    VIEW_PATIENT: (A, P, F, B),
    ADD_PATIENT: (A, P, F),
    CHANGE_PATIENT: (A, P, F),
    VIEW_HISTORY: (A, P, F),
    CHANGE_HISTORY: (A, P),
    RECORD_CONSENT: (A, P, F),
    INVITE_TO_PORTAL: (A, P, F),
    PUBLISH_CONSENT_DOCUMENT: (A,),
    MANAGE_STAFF: (A,),
    MANAGE_LOCATIONS: (A,),
    VIEW_AUDIT: (A,),
    VIEW_EVALUATION: (A, P),
    ADD_EVALUATION: (P,),
    SIGN_EVALUATION: (P,),
    ADD_ADDENDUM: (A, P),
    VIEW_TECHNIQUE: (A, P),
    CHANGE_TECHNIQUE: (A,),
    VIEW_PLAN: (A, P),
    ADD_PLAN: (P,),
    ACTIVATE_PLAN: (P,),
    SEND_QUESTIONNAIRE: (A, P),
    VIEW_APPOINTMENT: (A, P, F, B),
    BOOK_APPOINTMENT: (A, P, F),
    CHANGE_APPOINTMENT: (A, P, F),
    OVERRIDE_APPOINTMENT: (A,),
    VIEW_TODAY_BOARD: (A, F),
    MANAGE_ONLINE_BOOKING: (A,),
    VIEW_PROVIDER: (A, P, F),
    CHANGE_PROVIDER: (A, P, F),
    VIEW_REFERRAL: (A, P, F),
    ADD_REFERRAL: (A, P, F),
    ADD_CORRESPONDENCE: (A, P, F),
    VIEW_NOTE: (A, P, B),
    ADD_NOTE: (P,),
    SIGN_NOTE: (P,),
    ADD_NOTE_ADDENDUM: (A, P),
    VERIFY_RECORDS: (A,),
    VIEW_COVERAGE: (A, F, B),
    CHANGE_COVERAGE: (A, F, B),
    CHANGE_PAYER: (A, B),
    VIEW_CLAIM: (A, B),
    SUBMIT_CLAIM: (B,),
    VIEW_CREDENTIALS: (A, P),
    CHANGE_CREDENTIALS: (A, P),
    VIEW_OUTCOMES: (A, P),
    VIEW_PRACTICE: (A,),
    VIEW_FINANCES: (A, B),
    CHANGE_CONDITION_GROUP: (A,),
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    role: {perm for perm, holders in HELD_BY.items() if role in holders} for role in Role
}


# Object rules: beyond the table, which of the organization's records a permission reaches. Each is checked in one
# place, named beside it, and the permission meta-test (fascia/core/tests/test_permissions.py) tries it per role.
#
# Visit notes (checked in fascia.visits.queries.notes_for_user and get_note_for_user). Who writes or addends notes
# (ADD_NOTE, ADD_NOTE_ADDENDUM: practitioners, admins) reads every note of the organization. VIEW_NOTE alone
# (billing) reads a signed note only while it supports one of the organization's claims: it is on a claim, drafted,
# live or closed (minimum necessary, 45 CFR 164.502(b)); drafts and notes on no claim are no note to it (404).
READS_EVERY_NOTE = (ADD_NOTE, ADD_NOTE_ADDENDUM)
# A draft is its author's: only the practitioner who wrote it opens it to edit, changes or signs it (another
# practitioner and an admin may read it). Signed notes change only by addendum.


def reads_every_note(user: Any) -> bool:
    return any(user.has_perm(perm) for perm in READS_EVERY_NOTE)


def may_change_note(user: Any, note: Any) -> bool:
    """Whether `user` (holding ADD_NOTE) may open this draft to edit, change or sign it: its author only."""
    return bool(note.practitioner.user_id == user.pk)


def sync_role_groups(**kwargs: object) -> None:
    """Create or update one group per role with exactly the permissions in ROLE_PERMISSIONS."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
        if f"{p.content_type.app_label}.{p.codename}" in wanted
    }
    if len(by_name) < len(wanted):
        return  # some app's permissions are not created yet; the last post_migrate completes it
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[p] for p in perms])
