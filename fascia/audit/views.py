from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fascia import audit
from fascia.audit.models import AuditAction, AuditEvent
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import DateInput, StyledForm


class AuditSearchForm(StyledForm):
    patient = forms.CharField(label="Patient MRN", required=False, max_length=12)
    user = forms.CharField(label="Username", required=False, max_length=150)
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    since = forms.DateField(label="From", required=False, widget=DateInput())
    until = forms.DateField(label="To", required=False, widget=DateInput())


@staff_view(roles.VIEW_AUDIT)
@require_GET
def search(request: ClinicRequest) -> HttpResponse:
    """Who read or changed what: filter by patient, user, action and dates. Read-only."""
    form = AuditSearchForm(request.GET or None)
    organization = request.organization
    events = AuditEvent.objects.filter(
        Q(actor__organization=organization) | Q(patient__organization=organization)
    ).select_related("actor", "patient")
    if form.is_valid():
        data = form.cleaned_data
        if data["patient"]:
            events = events.filter(patient__mrn=data["patient"].strip(), patient__organization=organization)
        if data["user"]:
            events = events.filter(actor__username=data["user"].strip())
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
        audit.record(
            actor=request.user,
            action=AuditAction.AUDIT_SEARCHED,
            target=request.organization,
            detail={k: str(v) for k, v in data.items() if v},
        )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/search.html", {"form": form, "page": page, "query": query.urlencode()})
