"""The demo clinic's past two years (issue 28): patients who came before this week's, each with one to four
episodes of care written as `fascia seed` writes them (`fascia.demo.seed.Seeder`, in bulk, so the demo stays
quick to load): evaluations with diagnoses in the condition groups, plans with measured goals, signed notes
with their techniques and minutes, the outcome instrument re-taken, responding at the known rates of
`fascia.demo.outcomes`; and the visits' claims and payments. The outcome pages have episodes to count.

Only complaints in a condition group come (some groups more often: WEIGHTS), so each main group and technique
has more than the pages' minimum of episodes. Nothing is booked from
QUIET_WEEKS before this week on: the demo's own weeks (`load_week`) stay as they were, and the history's claims
have all been answered (paid, part paid or denied), so the billing queue holds this week's only. A plan the
history cut short stays open. Every name is synthetic (`fascia.demo.names`), none a current patient's.
"""

import random
from bisect import insort
from datetime import datetime, timedelta

from django.utils import timezone

from fascia.analytics.episodes import rebuild
from fascia.billing.claims.charges import fees_for
from fascia.core.models import Organization, User
from fascia.demo.loader import diagnosis_codes
from fascia.demo.outcomes import condition_group
from fascia.demo.schedule import DAY_END, DAY_START
from fascia.demo.seed import CARE_SCENARIOS, Book, Clinic, Seeded, Seeder, Size, Staff, with_causes
from fascia.patients.models import Patient
from fascia.patients.services import mrn_for
from fascia.practitioners.models import Practitioner
from fascia.records.models import Seal
from fascia.scheduling.models import Appointment, AppointmentType

PATIENTS = 150
YEARS = 2
QUIET_WEEKS = 6
PAYER_SHARES = {"Evergreen Health Plan": 0.45, "Puget Mutual": 0.35, "Washington Apple Health (Medicaid)": 0.20}
# How often each group's complaints come, against the others' once: the groups of one scenario, and those whose
# recent surgery leaves few techniques to plan at the first visit, more often.
WEIGHTS = {"Fibromyalgia": 2, "Post-surgical": 2}
SCENARIOS = [
    s
    for s in CARE_SCENARIOS
    if (group := condition_group(with_causes(diagnosis_codes(s))))
    for _ in range(WEIGHTS.get(group, 1))
]


def load_history(organization: Organization, rng: random.Random, *, patients: int = PATIENTS) -> Seeded:
    """Write the history, after the rest of the demo (the chain of seals and the MRNs go on from theirs)."""
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    until = datetime.combine(monday - timedelta(weeks=QUIET_WEEKS), DAY_START, tzinfo=timezone.get_current_timezone())
    staff = []
    for practitioner in Practitioner.objects.filter(user__organization=organization).order_by("pk"):
        hours = {h.weekday: h.location for h in practitioner.working_hours.select_related("location")}
        member = Staff(practitioner, practitioner.user_id, hours)
        # Their book as the demo filled it (the portal patient's weeks reach back into the history's).
        for start, end in practitioner.appointments.filter(status__in=Appointment.HOLDING).values_list(
            "start_at", "end_at"
        ):
            insort(member.busy.setdefault(timezone.localtime(start).date(), []), (start, end))
        staff.append(member)
    payers = organization.payers.filter(name__in=PAYER_SHARES).order_by("pk")
    clinic = Clinic(
        organization=organization,
        front_desk=User.objects.get(organization=organization, username="frontdesk"),
        biller=User.objects.get(organization=organization, username="billing"),
        staff=staff,
        payers=[(payer, fees_for(payer), PAYER_SHARES[payer.name]) for payer in payers],
        techniques={t.code: t for t in organization.techniques.all()},
        types={t.code: t for t in AppointmentType.objects.all()},
    )
    last = Seal.objects.filter(organization=organization).order_by("-sequence").first()
    seeder = Seeder(
        clinic,
        rng,
        Size(patients=patients, practitioners=len(staff), years=YEARS),
        now,
        book=Book(
            opens=DAY_START,
            slots=(DAY_END.hour - DAY_START.hour) * 2,
            until=until,
            follow_ups=(("follow-up-45", 0.7), ("follow-up-60", 0.3)),  # the demo's visits are 45 minutes or more
        ),
        scenarios=SCENARIOS,
        chain=(last.sequence, last.content_hash) if last else (0, ""),
    )
    seeder.taken_names = set(Patient.objects.filter(organization=organization).values_list("given_name", "family_name"))
    organization.refresh_from_db(fields=["mrn_counter"])
    first = organization.mrn_counter + 1
    for number in range(first, first + patients):
        seeder.patient(number)
    seeder.finish()
    Organization.objects.filter(pk=organization.pk).update(mrn_counter=first + patients - 1)
    # Written in bulk, past the signals that keep the episodes of care current: built here.
    rebuild(Patient.objects.filter(organization=organization, mrn__gte=mrn_for(first)).values_list("pk", flat=True))
    return Seeded(seeder.w.counts(), seeder.unplaced_visits)
