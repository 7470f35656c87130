from django.utils import timezone

from fascia.core.models import User
from fascia.lib.prepared import PreparedQuery
from fascia.patients.models import Patient
from fascia.referrals.models import Correspondence, Referral
from fascia.referrals.services import referral_warnings, with_visits_used

# The chart's referrals and correspondence, compiled once per connection: read on every chart view.
REFERRALS = PreparedQuery(
    lambda patient_id: with_visits_used(
        Referral.objects.filter(patient_id=patient_id)
        .select_related("provider")
        .only(
            "patient",
            "public_id",
            "referral_date",
            "order",
            "visits_authorized",
            "expires_on",
            "diagnoses",
            "document",
            "provider__name",
            "provider__credentials",
        )
    )
)
CORRESPONDENCE = PreparedQuery(
    lambda patient_id: (
        Correspondence.objects.filter(patient_id=patient_id)
        .select_related("provider")
        .only(
            "patient",
            "public_id",
            "date",
            "kind",
            "direction",
            "method",
            "summary",
            "document",
            "response",
            "provider__name",
            "provider__credentials",
        )
    )
)


def chart_context(patient: Patient, user: User) -> dict:
    today = timezone.localdate()
    referrals = REFERRALS.all(patient.pk)
    return {
        "referrals": [(r, referral_warnings(r, on=today, visits_used=r.visits_used)) for r in referrals],
        "correspondence": CORRESPONDENCE.all(patient.pk),
        "can_add_referral": user.has_perm("referrals.add_referral"),
        "can_add_correspondence": user.has_perm("referrals.add_correspondence"),
    }
