from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from fascia.core.models import User
from fascia.patients.models import Patient
from fascia.referrals.models import Correspondence, Referral
from fascia.referrals.services import VisitsUsed, referral_warnings, with_visits_used

if TYPE_CHECKING:  # django-stubs-ext is a test dependency; the annotation is for mypy only
    from django_stubs_ext import WithAnnotations


def chart_referrals(patient: Patient) -> "QuerySet[WithAnnotations[Referral, VisitsUsed]]":
    return with_visits_used(
        Referral.objects.filter(patient=patient)
        .select_related("provider")
        .only(
            "patient",
            "public_id",
            "referral_date",
            "order",
            "visits_authorized",
            "expires_on",
            "diagnoses",
            "payer_referral_number",
            "document",
            "provider__name",
            "provider__credentials",
        )
    )


def chart_correspondence(patient: Patient) -> QuerySet[Correspondence]:
    return (
        Correspondence.objects.filter(patient=patient)
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


def chart_context(patient: Patient, user: User) -> dict:
    today = timezone.localdate()
    referrals = chart_referrals(patient)
    return {
        "referrals": [(r, referral_warnings(r, on=today, visits_used=r.visits_used)) for r in referrals],
        "correspondence": list(chart_correspondence(patient)),
        "can_add_referral": user.has_perm("referrals.add_referral"),
        "can_add_correspondence": user.has_perm("referrals.add_correspondence"),
    }
