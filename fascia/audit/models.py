from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    PATIENT_SEARCHED = "patients.patient.searched", "Searched patients"
    PATIENT_VIEWED = "patients.patient.viewed", "Viewed patient"
    PATIENT_CREATED = "patients.patient.created", "Created patient"
    PATIENT_UPDATED = "patients.patient.updated", "Updated patient"
    HISTORY_ADDED = "patients.history.added", "Added medical history entry"
    HISTORY_STATUS_CHANGED = "patients.history.status_changed", "Changed medical history entry status"
    HISTORY_UPDATED = "patients.history.updated", "Corrected medical history entry"
    CONSENT_RECORDED = "patients.consent.recorded", "Recorded consent"
    CONSENT_SIGNED = "patients.consent.signed", "Patient signed a consent document electronically"
    CONSENT_PDF_VIEWED = "patients.consent.pdf_viewed", "Opened a signed consent"
    CONSENT_DOCUMENT_PUBLISHED = "patients.consent_document.published", "Published a consent document version"
    INTAKE_SAVED = "patients.intake.saved", "Saved an intake draft"
    INTAKE_SUBMITTED = "patients.intake.submitted", "Submitted an intake for review"
    INTAKE_VIEWED = "patients.intake.viewed", "Opened an intake to review"
    INTAKE_ITEM_ACCEPTED = "patients.intake.item_accepted", "Accepted an intake item (nothing to change on the chart)"
    INTAKE_ITEM_REJECTED = "patients.intake.item_rejected", "Rejected an intake item"
    INTAKE_CARD_VIEWED = "patients.intake.card_viewed", "Opened an insurance card photo from an intake"
    PORTAL_INVITATION_SENT = "patients.portal_invitation.sent", "Invited a patient to the patient portal"
    PORTAL_INVITATION_EMAILED = "patients.portal_invitation.emailed", "Emailed a portal invitation"
    PORTAL_INVITATION_REFUSED = (
        "patients.portal_invitation.refused",
        "Refused a wrong birth date on a portal invitation",
    )
    PORTAL_ACCOUNT_CREATED = "patients.portal_account.created", "Patient opened their portal account"
    PORTAL_ACCOUNT_CLOSED = "patients.portal_account.closed", "Closed a patient's portal account"
    PORTAL_ACCOUNT_REOPENED = "patients.portal_account.reopened", "Patient reopened their portal account"
    PORTAL_VIEWED = "patients.portal.viewed", "Patient viewed their portal"
    MEASURE_RECORDED = "measures.result.recorded", "Recorded outcome measure"
    QUESTIONNAIRE_LINK_CREATED = "measures.questionnaire_link.created", "Sent a patient a questionnaire link"
    QUESTIONNAIRE_LINK_EMAILED = "measures.questionnaire_link.emailed", "Emailed a questionnaire link"
    QUESTIONNAIRE_LINK_REFUSED = (
        "measures.questionnaire_link.refused",
        "Refused a wrong birth date on a questionnaire link",
    )
    EVALUATION_STARTED = "evaluations.evaluation.started", "Started evaluation"
    EVALUATION_SAVED = "evaluations.evaluation.saved", "Saved evaluation draft"
    EVALUATION_SIGNED = "evaluations.evaluation.signed", "Signed evaluation"
    EVALUATION_DISCARDED = "evaluations.evaluation.discarded", "Discarded an unsigned evaluation draft"
    EVALUATION_VIEWED = "evaluations.evaluation.viewed", "Viewed evaluation"
    RED_FLAG_ACTION_RECORDED = "evaluations.red_flag.recorded", "Recorded a referral or clearance for a red flag"
    ADDENDUM_ADDED = "evaluations.addendum.added", "Added addendum"
    NOTE_STARTED = "visits.note.started", "Started visit note"
    NOTE_SAVED = "visits.note.saved", "Saved visit note draft"
    NOTE_SIGNED = "visits.note.signed", "Signed visit note"
    NOTE_VIEWED = "visits.note.viewed", "Viewed visit note"
    NOTE_ADDENDUM_ADDED = "visits.addendum.added", "Added note addendum"
    RECORDS_VERIFIED = "records.verified", "Verified signed records"
    CLAIM_CREATED = "billing.claim.created", "Created claim"
    CLAIM_STATUS_CHANGED = "billing.claim.status", "Changed claim status"
    CLAIM_VIEWED = "billing.claim.viewed", "Viewed claim"
    CLAIMS_EXPORTED = "billing.claims.exported", "Exported claims"
    BATCH_DOWNLOADED = "billing.batch.downloaded", "Downloaded an 837P file"
    REMITTANCE_POSTED = "billing.remittance.posted", "Posted a remittance"
    HELD_PAYMENT_POSTED = "billing.posting.posted", "Posted a payment held for review"
    HELD_PAYMENT_DISMISSED = "billing.posting.dismissed", "Dismissed a payment held for review"
    COVERAGE_SAVED = "billing.coverage.saved", "Saved coverage"
    CLEARINGHOUSE_SAVED = "billing.clearinghouse.saved", "Saved clearinghouse settings"
    CREDENTIAL_SAVED = "practitioners.credential.saved", "Saved credential"
    COURSE_RECORDED = "practitioners.course.recorded", "Recorded CE course"
    TRANSCRIPT_EXPORTED = "practitioners.transcript.exported", "Exported a CE transcript"
    CREDENTIAL_ALERT_SENT = "practitioners.alert.sent", "Sent credential alert"
    PLAN_CREATED = "plans.plan.created", "Created treatment plan (or a new version)"
    PLAN_UPDATED = "plans.plan.updated", "Changed treatment plan draft"
    PLAN_ACTIVATED = "plans.plan.activated", "Activated treatment plan"
    PLAN_ENDED = "plans.plan.ended", "Ended treatment plan"
    PLAN_VIEWED = "plans.plan.viewed", "Viewed treatment plan"
    HOME_CARE_DONE = "plans.home_care.done", "Marked a home care item done for a day"
    HOME_CARE_UNDONE = "plans.home_care.undone", "Took back a home care item marked done"
    HOME_CARE_VIEWED = "plans.home_care.viewed", "Viewed the home care program or its picture"
    PROVIDER_SAVED = "referrals.provider.saved", "Saved referring provider"
    REFERRAL_RECORDED = "referrals.referral.recorded", "Recorded referral"
    CORRESPONDENCE_RECORDED = "referrals.correspondence.recorded", "Logged correspondence"
    DOCUMENT_VIEWED = "referrals.document.viewed", "Opened a stored document"
    LETTER_PREVIEWED = "plans.letter.previewed", "Previewed a letter to the referring provider"
    OUTCOMES_VIEWED = "analytics.outcomes.viewed", "Viewed the outcome evidence"
    CONDITION_GROUP_SAVED = "analytics.condition_group.saved", "Saved a condition group"
    CONDITION_GROUP_DELETED = "analytics.condition_group.deleted", "Deleted a condition group"
    TECHNIQUE_SAVED = "techniques.technique.saved", "Saved technique"
    APPOINTMENT_BOOKED = "scheduling.appointment.booked", "Booked appointment"
    APPOINTMENT_RESCHEDULED = "scheduling.appointment.rescheduled", "Rescheduled appointment"
    APPOINTMENT_CANCELLED = "scheduling.appointment.cancelled", "Cancelled appointment"
    WAITLIST_CHANGED = "scheduling.waitlist.changed", "Changed the waitlist"
    BOOKING_POLICY_SAVED = "scheduling.booking_policy.saved", "Saved online booking settings"
    REMINDER_SENT = "scheduling.reminder.sent", "Sent appointment reminder"
    BOOKING_CONFIRMATION_SENT = "scheduling.booking.confirmation_sent", "Emailed a booking's confirmation"
    BOOKING_CHANGE_SENT = "scheduling.booking.change_sent", "Emailed a booking's new time"
    BOOKING_CANCELLATION_SENT = "scheduling.booking.cancellation_sent", "Emailed a cancellation"
    INTAKE_DUE_SENT = "scheduling.booking.intake_due_sent", "Emailed a patient that their intake is due"
    NOTIFICATION_SKIPPED = "notifications.skipped", "Withheld a message (no consent or address)"
    NOTIFICATION_FAILED = "notifications.failed", "A message could not be sent"
    APPOINTMENT_MOVED = "scheduling.appointment.moved", "Checked in, checked out or marked no-show"
    PATIENT_SCREENED = "techniques.patient.screened", "Screened a technique against contraindications"
    STAFF_CREATED = "core.staff.created", "Created staff account"
    STAFF_UPDATED = "core.staff.updated", "Updated staff account"
    LOCATION_SAVED = "core.location.saved", "Saved location"
    ROOM_SAVED = "core.room.saved", "Saved room"
    ORGANIZATION_UPDATED = "core.organization.updated", "Updated organization"
    TWO_FACTOR_ENABLED = "core.two_factor.enabled", "Enabled two-factor login"
    TWO_FACTOR_DISABLED = "core.two_factor.disabled", "Turned off two-factor login"
    API_TOKEN_CREATED = "core.api_token.created", "Created API token"
    BACKUP_WRITTEN = "core.backup.written", "Wrote a backup of the database and documents"
    AUDIT_SEARCHED = "audit.searched", "Searched the audit trail"
    PRACTICE_VIEWED = "analytics.practice.viewed", "Viewed the practice dashboard"
    FINANCES_VIEWED = "analytics.finances.viewed", "Viewed the financial dashboard"
    DASHBOARD_EXPORTED = "analytics.dashboard.exported", "Exported a dashboard (CSV or XLSX)"
    MONTHLY_REPORT_VIEWED = "analytics.monthly.viewed", "Opened the owner's monthly report (PDF)"
    FHIR_READ = "fhir.resource.read", "Read a patient's record through FHIR"
    FHIR_SEARCHED = "fhir.resource.searched", "Searched patients' records through FHIR"


class AuditEvent(models.Model):
    """One read or change of a record: who, what, which record, when, from where.

    Rows are only ever inserted, through fascia.audit.record(); no page or endpoint changes them.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The clinic the event is about (of its patient, its record or its actor); None for the installation's own
    # (a failed sign-in). What its audit search shows, and what row-level security keys on (core.tenancy).
    organization = models.ForeignKey(
        "core.Organization", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Not a choices field: adding an action must not need a migration. See action_label.
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="audit_patient_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["organization", "-at"], name="audit_organization_at"),
        ]

    def __str__(self) -> str:
        at = timezone.localtime(self.at)
        return f"{at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.target_type}:{self.target_id}"

    @property
    def action_label(self) -> str:
        return AuditAction(self.action).label if self.action in AuditAction.values else self.action
