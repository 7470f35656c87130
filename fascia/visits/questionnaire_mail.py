"""Questionnaires sent by themselves: before a booked visit, each questionnaire that visit calls for and the patient
has not answered goes to them by email (fascia.measures.services.send_questionnaire: the same single-use link staff
send from the plan page), once. Run by `fascia send_questionnaires` from cron, like the appointment reminders."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from fascia.measures.models import QuestionnaireLink
from fascia.measures.services import LINK_DAYS, QuestionnaireError, send_questionnaire
from fascia.patients.models import Patient
from fascia.plans.models import TreatmentPlan
from fascia.scheduling.models import Appointment
from fascia.visits.queries import plan_calls, signed_visits
from fascia.visits.questionnaires import questionnaires_due

# How many days ahead a booked visit has its questionnaires sent: a morning's run reaches visits up to the end of the
# day after tomorrow, time to answer on an evening before.
LEAD_DAYS = 2


def base_url() -> str:
    if not settings.BASE_URL:
        raise ImproperlyConfigured("Set FASCIA_BASE_URL (e.g. https://clinic.example) for the links in emails.")
    return settings.BASE_URL


@task()
def send_due_questionnaires() -> tuple[int, int]:
    """Email each due, unanswered questionnaire of the patients with a visit booked within LEAD_DAYS. Returns (sent,
    skipped: no consent to email or no address). A patient who got a link for the instrument within LINK_DAYS
    (sent by staff or by an earlier run) is not sent another: the patient row is locked first, so two runs at
    once send one."""
    site = base_url()
    now, today = timezone.now(), timezone.localdate()
    until = timezone.make_aware(datetime.combine(today + timedelta(days=LEAD_DAYS + 1), time.min))
    coming = Appointment.objects.filter(status=Appointment.Status.BOOKED, start_at__gt=now, start_at__lt=until).values(
        "patient_id"
    )
    plans = list(TreatmentPlan.objects.filter(status=TreatmentPlan.Status.ACTIVE, patient_id__in=coming).order_by("id"))
    if not plans:
        return 0, 0
    visits = signed_visits([p.patient_id for p in plans], since=min(p.start_date for p in plans))
    due = questionnaires_due(plans, visits=visits, status=plan_calls(plans, visits, today), today=today)
    sent = skipped = 0
    for plan in plans:
        for row in due.get(plan.pk, []):
            if row.answer is not None:
                continue
            with transaction.atomic():
                patient = Patient.objects.select_for_update().get(pk=plan.patient_id)
                recent = QuestionnaireLink.objects.filter(
                    patient=patient, instrument=row.instrument.code, created_at__gt=now - timedelta(days=LINK_DAYS)
                )
                if recent.exists():
                    continue
                try:
                    send_questionnaire(actor=None, patient=patient, instrument=row.instrument.code, site=site)
                except QuestionnaireError:
                    skipped += 1
                    continue
            sent += 1
    return sent, skipped
