"""The patient's home care program at /my/home-care/ (issue 27, point 6): each item of the active plan's program
with how and how often, a big button to tick it off for today, and the last seven days' ticks, each of which may
be set or taken back (phone-first, htmx). A tick posts to the page itself; its pictures are served here, to the
patient whose plan has them, audited."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.lib.uploads import document_response
from fascia.plans import services
from fascia.plans.forms import TickForm
from fascia.plans.models import HomeCareItem
from fascia.plans.queries import ItemWeek, get_home_care_item_for_patient, home_care_week
from fascia.portal.auth import PatientRequest, patient_view


def how_often(item: HomeCareItem) -> str:
    """How often, in the patient's language: "Daily", "Twice a day, 5 days a week" …"""
    n = item.days_per_week
    days = _("daily") if n == 7 else ngettext("%(n)d day a week", "%(n)d days a week", n) % {"n": n}
    t = item.times_per_day
    if t == 1:
        return days[:1].upper() + days[1:]
    times = _("Twice a day") if t == 2 else ngettext("%(n)d time a day", "%(n)d times a day", t) % {"n": t}
    return _("%(times)s, %(days)s") % {"times": times, "days": days}


def _row(week: ItemWeek, problem: str = "") -> dict:
    return {"week": week, "item": week.item, "how_often": how_often(week.item), "problem": problem}


@patient_view
@require_http_methods(["GET", "POST"])
def page(request: PatientRequest) -> HttpResponse:
    """The program (GET), or a tick of one of its items (POST: the item's card again with htmx)."""
    if request.method == "POST":
        return _tick(request)
    plan, weeks = home_care_week(request.patient, timezone.localdate())
    audit.record(
        actor=request.user,
        action=AuditAction.HOME_CARE_VIEWED,
        target=plan if plan is not None else request.patient,
        patient=request.patient,
        detail={"page": "portal home care"},
    )
    context = {"plan": plan, "rows": [_row(w) for w in weeks], "today": timezone.localdate()}
    return render(request, "portal/homecare/home_care.html", context)


def _tick(request: PatientRequest) -> HttpResponse:
    form = TickForm(request.POST)
    if "item" in form.errors:
        return _back(request, _("Choose the exercise again."))
    form.is_valid()
    item = get_home_care_item_for_patient(request.patient, form.cleaned_data["item"])  # 404: not the patient's
    problem = ""
    if form.errors:
        problem = _("Choose the day again.")
    else:
        try:
            services.set_home_care_done(
                actor=request.user,
                patient=request.patient,
                item=item,
                day=form.cleaned_data["day"],
                done=form.cleaned_data["done"],
            )
        except services.PlanError:
            problem = _("This exercise is no longer on your program.")
        except ValidationError:
            problem = _("Only today and the six days before can be ticked off.")
    if not request.htmx:
        return _back(request, problem)
    _plan, weeks = home_care_week(request.patient, timezone.localdate())
    week = next((w for w in weeks if w.item.pk == item.pk), None)
    if week is None:  # the plan changed meanwhile (a new version, or ended): the whole page again
        return _back(request, problem)
    return render(request, "portal/homecare/home_care.html#item", {"row": _row(week, problem)})


def _back(request: PatientRequest, problem: str) -> HttpResponse:
    """The page again, saying what was wrong (htmx follows HX-Redirect instead of swapping a card)."""
    if problem:
        messages.error(request, problem)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("portal:home_care")
        return response
    return redirect("portal:home_care")


@patient_view
@require_GET
def image(request: PatientRequest, item_id: UUID) -> FileResponse:
    """An item's picture, to the patient whose plan has it (404 to anyone else), audited."""
    item = get_home_care_item_for_patient(request.patient, item_id)
    if not item.image:
        raise Http404("No picture.")
    audit.record(
        actor=request.user,
        action=AuditAction.HOME_CARE_VIEWED,
        target=item,
        patient=request.patient,
        detail={"picture": True},
    )
    return document_response(item.image)
