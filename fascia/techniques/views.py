from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.techniques.models import Technique
from fascia.techniques.rules import RULES


@staff_view(roles.VIEW_TECHNIQUE)
@require_GET
def catalog(request: ClinicRequest) -> HttpResponse:
    """The technique catalog and the contraindication rules, for the clinic to review."""
    rules = [
        {
            "rule": rule,
            "applies_to": ", ".join(rule.techniques + rule.tags) or "every technique",
            "regions": ", ".join(rule.regions) or ("the affected region" if rule.same_region else "any region"),
        }
        for rule in RULES
    ]
    return render(request, "techniques/catalog.html", {"techniques": Technique.objects.all(), "rules": rules})
