from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.records.chain import verify
from fascia.records.models import Seal

# Seals one request checks: about half a second on the ten-year seeded clinic, where checking all 845,694
# seals in one request took five minutes, past any server's timeout.
VERIFY_SEALS = 850


class Progress(forms.Form):
    """How far the check has come, carried from one part to the next."""

    after = forms.IntegerField(min_value=0, max_value=2**31 - 1)  # the last seal (sequence) checked
    checked = forms.IntegerField(min_value=0, max_value=2**31 - 1)
    problems = forms.IntegerField(min_value=0, max_value=2**31 - 1)
    total = forms.IntegerField(min_value=0, max_value=2**31 - 1)


@staff_view(roles.VERIFY_RECORDS)
@require_GET
def verify_page(request: ClinicRequest) -> HttpResponse:
    """Check the practice's signed records against their seals, as `fascia verify_records` does:
    VERIFY_SEALS seals of the organization's chain a request, each part asking for the next (htmx; a link
    without script) until the whole chain is checked."""
    organization_id = request.organization.pk
    progress = Progress(request.GET or None)
    if progress.is_bound and not progress.is_valid():
        return HttpResponse("The check's progress in the address is not valid: start it again.", status=400)
    if progress.is_bound:
        after, checked, found, total = (progress.cleaned_data[k] for k in ("after", "checked", "problems", "total"))
    else:
        after, checked, found = 0, 0, 0
        total = Seal.objects.filter(organization_id=organization_id).count()
    # The seal before this part's first, to check the first link against.
    seals = list(
        Seal.objects.filter(organization_id=organization_id, sequence__gte=max(after, 1))
        .select_related("patient")
        .order_by("sequence")[: VERIFY_SEALS + (1 if after else 0)]
    )
    before = seals.pop(0) if after and seals and seals[0].sequence == after else None
    problems = verify(seals, before=before)  # without the seal before (removed), the first link is reported
    audit.record(
        actor=request.user,
        action=AuditAction.RECORDS_VERIFIED,
        target=request.organization,
        detail={"after_seal": after, "checked": len(seals), "problems": len(problems)},
    )
    checked, found = checked + len(seals), found + len(problems)
    next_url = ""
    if len(seals) == VERIFY_SEALS:  # perhaps more
        more = {"after": seals[-1].sequence, "checked": checked, "problems": found, "total": total}
        next_url = f"{reverse('records:verify')}?{urlencode(more)}"
    context = {
        "problems": problems,
        "checked": checked,
        "found": found,
        "total": max(total, checked),  # records signed during the check count too
        "next_url": next_url,
        "per_request": VERIFY_SEALS,
    }
    return render(request, "records/verify.html#part" if request.htmx else "records/verify.html", context)
