from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import saved
from fascia.lib.uploads import document_response
from fascia.patients.queries import get_patient_for_user
from fascia.referrals import services
from fascia.referrals.forms import CorrespondenceForm, ProviderForm, ReferralForm
from fascia.referrals.models import Correspondence, Referral, ReferringProvider


@staff_view(roles.VIEW_PROVIDER)
@require_GET
def provider_list(request: ClinicRequest) -> HttpResponse:
    providers = ReferringProvider.objects.filter(organization=request.organization)
    context = {"providers": providers, "can_edit": request.user.has_perm(roles.CHANGE_PROVIDER)}
    return render(request, "referrals/provider_list.html", context)


@staff_view(roles.CHANGE_PROVIDER)
@require_http_methods(["GET", "POST"])
def provider_edit(request: ClinicRequest, provider_id: UUID | None = None) -> HttpResponse:
    provider = (
        get_object_or_404(ReferringProvider, public_id=provider_id, organization=request.organization)
        if provider_id
        else ReferringProvider(organization=request.organization)
    )
    form = ProviderForm(request.POST or None, instance=provider)
    if saved(request, form, lambda: services.save_provider(actor=request.user, provider=form.instance)):
        messages.success(request, f"{provider} saved.")
        return redirect("referrals:provider_list")
    return render(
        request,
        "referrals/form.html",
        {"form": form, "title": str(provider) if provider.pk else "New referring provider", "multipart": False},
    )


def _fields(form: ReferralForm | CorrespondenceForm) -> dict:
    """The form's fields as the service takes them, its document as the upload."""
    return {"upload": form.cleaned_data["document"], **{name: form.cleaned_data[name] for name in form.Meta.fields}}


@staff_view(roles.ADD_REFERRAL)
@require_http_methods(["GET", "POST"])
def referral_add(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    form = ReferralForm(request.POST or None, request.FILES or None, organization=request.organization)
    if saved(request, form, lambda: services.record_referral(actor=request.user, patient=patient, **_fields(form))):
        messages.success(request, "Referral recorded.")
        return redirect(patient.get_chart_url())
    return render(
        request,
        "referrals/form.html",
        {"form": form, "patient": patient, "multipart": True, "title": f"Referral for {patient.display_name}"},
    )


@staff_view(roles.ADD_CORRESPONDENCE)
@require_http_methods(["GET", "POST"])
def correspondence_add(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = get_patient_for_user(request.user, patient_id)
    form = CorrespondenceForm(request.POST or None, request.FILES or None, organization=request.organization)
    if saved(
        request, form, lambda: services.record_correspondence(actor=request.user, patient=patient, **_fields(form))
    ):
        messages.success(request, "Correspondence logged.")
        return redirect(patient.get_chart_url())
    return render(
        request,
        "referrals/form.html",
        {
            "form": form,
            "patient": patient,
            "multipart": True,
            "title": f"Log correspondence for {patient.display_name}",
        },
    )


@staff_view(roles.VIEW_REFERRAL)
@require_GET
def document(request: ClinicRequest, kind: str, public_id: UUID) -> FileResponse:
    """A stored document, only to staff of the patient's organization, and audited."""
    lookup = {"public_id": public_id, "patient__organization": request.organization}
    record: Referral | Correspondence
    if kind == "referral":
        record = get_object_or_404(Referral, **lookup)
    elif kind == "correspondence":
        record = get_object_or_404(Correspondence, **lookup)
    else:
        raise Http404
    if not record.document:
        raise Http404("No document.")
    audit.record(actor=request.user, action=AuditAction.DOCUMENT_VIEWED, target=record, patient=record.patient)
    return document_response(record.document)
