from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.records.chain import verify
from fascia.records.models import Seal


@staff_view(roles.VERIFY_RECORDS)
@require_GET
def verify_page(request: ClinicRequest) -> HttpResponse:
    """Check the practice's signed records against their seals, as `fascia verify_records` does."""
    seals = list(
        Seal.objects.filter(patient__organization_id=request.user.organization_id)
        .select_related("patient")
        .order_by("patient_id", "sequence")
    )
    problems = verify(seals)
    audit.record(
        actor=request.user,
        action=AuditAction.RECORDS_VERIFIED,
        target=request.organization,
        detail={"checked": len(seals), "problems": len(problems)},
    )
    return render(request, "records/verify.html", {"checked": len(seals), "problems": problems})
