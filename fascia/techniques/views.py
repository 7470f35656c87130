from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import saved
from fascia.techniques.catalog import TECHNIQUES
from fascia.techniques.forms import TechniqueForm
from fascia.techniques.models import Technique
from fascia.techniques.rules import RULES
from fascia.techniques.services import save_technique

DEFAULT_TAGS = {t.code: t.tags for t in TECHNIQUES}


@staff_view(roles.VIEW_TECHNIQUE)
@require_GET
def catalog(request: ClinicRequest) -> HttpResponse:
    """The organization's technique catalog and the contraindication rules its tags select, for the clinic to
    review."""
    rules = [
        {
            "rule": rule,
            "reason": rule.reason.format(fact="…"),  # the finding names the patient's fact here
            "fires_on": rule.fires_on(),
            "applies_to": ", ".join(rule.techniques + rule.tags) or "every technique",
            "regions": ", ".join(rule.regions) or ("the affected region" if rule.same_region else "any region"),
        }
        for rule in RULES
    ]
    return render(
        request,
        "techniques/catalog.html",
        {
            "organization": request.organization,
            "techniques": [
                # Tags of Fascia's default this clinic took off: rules that no longer screen the technique.
                (t, sorted(set(DEFAULT_TAGS.get(t.code, ())) - set(t.tags)))
                for t in request.organization.techniques.all()
            ],
            "rules": rules,
            "can_edit": request.user.has_perm(roles.CHANGE_TECHNIQUE),
        },
    )


@staff_view(roles.CHANGE_TECHNIQUE)
@require_http_methods(["GET", "POST"])
def technique_edit(request: ClinicRequest, code: str | None = None) -> HttpResponse:
    """Admins add techniques to the catalog or change them (CPT code, screening tags, wording)."""
    catalog = request.organization.techniques
    technique = get_object_or_404(catalog, code=code) if code else Technique(organization=request.organization)
    form = TechniqueForm(request.POST or None, instance=technique)
    if saved(request, form, lambda: save_technique(actor=request.user, technique=form.instance)):
        messages.success(request, f"{technique.name} saved.")
        return redirect("techniques:catalog")
    return render(request, "techniques/technique_form.html", {"form": form, "technique": technique})
