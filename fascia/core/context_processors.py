from functools import cache

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from fascia.core import roles

# (label, url name, permission needed)
NAVIGATION = [
    ("Today", "frontdesk:today", roles.VIEW_TODAY_BOARD),
    ("My day", "visits:dashboard", roles.ADD_NOTE),
    ("Schedule", "scheduling:day", roles.VIEW_APPOINTMENT),
    ("Patients", "patients:list", roles.VIEW_PATIENT),
    ("Referring providers", "referrals:provider_list", roles.VIEW_PROVIDER),
    ("Billing", "billing:queue", roles.VIEW_CLAIM),
    ("Outcomes", "analytics:outcomes", roles.VIEW_OUTCOMES),
    ("Techniques", "techniques:catalog", roles.VIEW_TECHNIQUE),
    # Only practitioners write notes, so this keeps "Credentials" (one's own) off an admin's menu.
    ("Credentials", "practitioners:mine", roles.ADD_NOTE),
    ("Staff", "practitioners:staff_list", roles.MANAGE_STAFF),
    ("Compliance", "practitioners:compliance", roles.MANAGE_STAFF),
    ("Locations", "core:location_list", roles.MANAGE_LOCATIONS),
    ("Consent documents", "patients:consent_versions", roles.PUBLISH_CONSENT_DOCUMENT),
    ("Audit trail", "core:audit_search", roles.VIEW_AUDIT),
    ("Signed records", "records:verify", roles.VERIFY_RECORDS),
]


def navigation(request: HttpRequest) -> dict:
    """The menu entries this user may open, so templates never check permissions: each one's label and
    link, whether it is the section of the page shown (`active`, by the first 12 characters of the path)
    and the page itself (`current`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.organization_id is None or user.is_patient_account:
        return {"nav_items": []}
    items = []
    for label, name, perm in NAVIGATION:
        if user.has_perm(perm):
            url = _url(get_script_prefix(), name)
            items.append(
                {"label": label, "url": url, "active": request.path[:12] == url[:12], "current": request.path == url}
            )
    return {"nav_items": items}


@cache
def _url(prefix: str, name: str) -> str:
    """reverse(name) under this script prefix, once: every page's menu links them all."""
    return reverse(name)
