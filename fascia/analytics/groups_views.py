"""The clinic's condition groups, the ICD-10-CM prefixes outcomes are broken down by (admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from fascia.analytics import services
from fascia.analytics.models import ConditionGroup
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view


@staff_view(roles.CHANGE_CONDITION_GROUP)
@require_http_methods(["GET", "POST"])
def condition_groups(request: ClinicRequest) -> HttpResponse:
    """Every group with its codes, each editable; a blank row adds one. A POST saves or deletes one group."""
    groups = list(ConditionGroup.objects.filter(organization=request.organization))
    error_for, error, entered = None, "", {"name": "", "codes": ""}
    if request.method == "POST":
        pk = request.POST.get("group", "")
        group = (
            get_object_or_404(ConditionGroup, pk=pk, organization=request.organization)
            if pk.isdigit()
            else ConditionGroup(organization=request.organization)
        )
        if request.POST.get("delete") and group.pk is not None:
            services.delete_group(actor=request.user, group=group)
            messages.success(request, f"Deleted the group {group.name}.")
            return redirect("analytics:condition_groups")
        name, codes = request.POST.get("name", ""), request.POST.get("codes", "")
        try:
            services.save_group(actor=request.user, group=group, name=name, codes=codes)
        except ValidationError as e:
            error_for, error, entered = group.pk or "new", " ".join(e.messages), {"name": name, "codes": codes}
        else:
            messages.success(request, f"Saved the group {group.name}: {', '.join(group.codes)}.")
            return redirect("analytics:condition_groups")
    rows = [
        {
            "group": g,
            "name": entered["name"] if error_for == g.pk else g.name,
            "codes": entered["codes"] if error_for == g.pk else ", ".join(g.codes),
            "error": error if error_for == g.pk else "",
        }
        for g in groups
    ]
    new = {"name": entered["name"], "codes": entered["codes"], "error": error} if error_for == "new" else {}
    return render(request, "analytics/condition_groups.html", {"rows": rows, "new": new}, status=200)
