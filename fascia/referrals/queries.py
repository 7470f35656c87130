from django.utils import timezone

from fascia.core.models import User
from fascia.patients.models import Patient
from fascia.referrals.services import referral_warnings, with_visits_used


def chart_context(patient: Patient, user: User) -> dict:
    today = timezone.localdate()
    referrals = list(with_visits_used(patient.referrals.select_related("provider")))
    return {
        "referrals": [(r, referral_warnings(r, on=today, visits_used=r.visits_used)) for r in referrals],
        "correspondence": list(patient.correspondence.select_related("provider", "recorded_by")),
        "can_add_referral": user.has_perm("referrals.add_referral"),
        "can_add_correspondence": user.has_perm("referrals.add_correspondence"),
    }
