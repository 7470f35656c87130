from functools import partial
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import audit
from fascia.audit.middleware import client_ip
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import saved
from fascia.core.models import User
from fascia.lib.uploads import document_response
from fascia.patients import accounts, chart, queries, services
from fascia.patients.forms import (
    HISTORY_FORMS,
    ConsentDocumentForm,
    ConsentForm,
    ConsentSignForm,
    MedicationAnswerForm,
    MedicationEditForm,
    PatientForm,
    SearchForm,
)
from fascia.patients.models import Consent, ConsentDocument, HistoryStatus, Medication, Patient

PAGE_SIZE = 25


@staff_view(roles.VIEW_PATIENT)
def patient_list(request: ClinicRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()
    query = form.cleaned_data.get("q", "")
    patients = queries.search_patients(request.user, query, include_inactive=form.cleaned_data.get("inactive", False))
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    if query:
        audit.record(
            actor=request.user,
            action=AuditAction.PATIENT_SEARCHED,
            target=request.organization,
            detail={"query": query, "results": page.paginator.count},
        )
    context = {
        "form": form,
        "page": page,
        "query": query,
        "can_add_patient": request.user.has_perm(roles.ADD_PATIENT),
    }
    template = "patients/patient_list.html#results" if request.htmx else "patients/patient_list.html"
    return render(request, template, context)


def _duplicates_warning(request: ClinicRequest, form: PatientForm) -> list[Patient]:
    data = form.cleaned_data
    if not all(data.get(k) for k in ("family_name", "given_name", "birth_date")):
        return []
    return queries.possible_duplicates(
        request.user,
        family_name=data["family_name"],
        given_name=data["given_name"],
        birth_date=data["birth_date"],
    )


@staff_view(roles.ADD_PATIENT)
@require_http_methods(["GET", "POST"])
def patient_create(request: ClinicRequest) -> HttpResponse:
    form = PatientForm(request.POST or None, organization=request.organization)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = _duplicates_warning(request, form)
        # Same name and birth date is a warning, not a block: twins and namesakes exist.
        if not duplicates or request.POST.get("confirm_duplicate"):
            create = partial(services.create_patient, actor=request.user, organization=request.organization)
            if patient := saved(request, form, lambda: create(**form.cleaned_data)):
                messages.success(request, f"{patient.display_name} registered with MRN {patient.mrn}.")
                return redirect("patients:chart", patient_id=patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "duplicates": duplicates, "patient": None})


@staff_view(roles.CHANGE_PATIENT)
@require_http_methods(["GET", "POST"])
def patient_edit(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = queries.get_patient_for_user(request.user, patient_id)
    # The form cleans into its own copy; the service compares against the stored record.
    form = PatientForm(
        request.POST or None,
        instance=queries.get_patient_for_user(request.user, patient_id),
        organization=request.organization,
    )
    if saved(request, form, lambda: services.update_patient(actor=request.user, patient=patient, **form.cleaned_data)):
        messages.success(request, "Patient details saved.")
        return redirect("patients:chart", patient_id=patient.public_id)
    if request.method == "GET":
        audit.record(actor=request.user, action=AuditAction.PATIENT_VIEWED, target=patient, detail={"page": "edit"})
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient, "duplicates": []})


@staff_view(roles.VIEW_PATIENT)
def patient_chart(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = queries.get_patient_for_user(request.user, patient_id)
    audit.record(actor=request.user, action=AuditAction.PATIENT_VIEWED, target=patient)
    user = request.user
    can_view_history = user.has_perm(roles.VIEW_HISTORY)
    can_change_history = user.has_perm(roles.CHANGE_HISTORY)
    can_record_consent = user.has_perm(roles.RECORD_CONSENT)
    context = {
        "patient": patient,
        "history": queries.chart_history(patient) if can_view_history else None,
        "consents": queries.current_consents(patient),
        "can_edit": user.has_perm(roles.CHANGE_PATIENT),
        "intake_to_review": queries.intake_to_review(patient) if can_view_history else None,
        "can_view_audit": user.has_perm(roles.VIEW_AUDIT),
        "can_view_history": can_view_history,
        "can_change_history": can_change_history,
        "can_record_consent": can_record_consent,
        "history_forms": {kind: form(prefix=kind) for kind, form in HISTORY_FORMS.items()}
        if can_change_history
        else {},
        "consent_form": ConsentForm(prefix="consent", organization_id=patient.organization_id)
        if can_record_consent
        else None,
        "consent_documents": queries.current_consent_documents(patient.organization_id) if can_record_consent else [],
        "statuses": HistoryStatus.choices,
        "answers": [choice for choice in Medication.Answer.choices if choice[0]],
        "sections": [(section, section.context(patient, user)) for section in chart.sections_for(user)],
    }
    return render(request, "patients/patient_chart.html", context)


@staff_view(roles.CHANGE_HISTORY)
@require_http_methods(["GET", "POST"])
def history_add(request: ClinicRequest, patient_id: UUID, kind: str) -> HttpResponse:
    if kind not in HISTORY_FORMS:
        raise Http404("No such history section.")
    patient = queries.get_patient_for_user(request.user, patient_id)
    form = HISTORY_FORMS[kind](request.POST or None, prefix=kind)
    add = partial(services.add_history_entry, actor=request.user, patient=patient, kind=kind)
    if saved(request, form, lambda: add(**form.cleaned_data)):
        messages.success(request, f"{str(form.instance._meta.verbose_name).capitalize()} added.")
        return redirect(f"{patient.get_chart_url()}#history")
    return render(
        request,
        "patients/history_form.html",
        {"form": form, "patient": patient, "kind": kind, "title": form.instance._meta.verbose_name},
    )


@staff_view(roles.CHANGE_HISTORY)
@require_POST
def history_status(request: ClinicRequest, patient_id: UUID, kind: str, entry_id: UUID) -> HttpResponse:
    if kind not in services.HISTORY_MODELS:
        raise Http404("No such history section.")
    patient = queries.get_patient_for_user(request.user, patient_id)
    model = services.HISTORY_MODELS[kind]
    entry = model.objects.filter(patient=patient, public_id=entry_id).first()
    status = request.POST.get("status", "")
    if entry is None:
        raise Http404("No such entry.")
    if status not in HistoryStatus.values:
        messages.error(request, "Choose a status.")
    else:
        try:
            services.change_history_status(actor=request.user, entry=entry, status=status)
        except services.PatientError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, f"“{entry}” marked {HistoryStatus(status).label.lower()}.")
    return redirect(f"{patient.get_chart_url()}#history")


def _medication(patient: Patient, entry_id: UUID) -> Medication:
    entry = Medication.objects.filter(patient=patient, public_id=entry_id).first()
    if entry is None or entry.status == HistoryStatus.ENTERED_IN_ERROR:
        raise Http404("No such medication.")
    entry.patient = patient
    return entry


@staff_view(roles.CHANGE_HISTORY)
@require_http_methods(["GET", "POST"])
def medication_edit(request: ClinicRequest, patient_id: UUID, entry_id: UUID) -> HttpResponse:
    """Correct a medication in place: its name, dose, flags, or the answer to the bleeding question."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    entry = _medication(patient, entry_id)
    # The form cleans into its own copy; the service compares against the stored entry.
    form = MedicationEditForm(request.POST or None, instance=_medication(patient, entry_id))
    if saved(request, form, lambda: services.update_medication(actor=request.user, entry=entry, **form.cleaned_data)):
        messages.success(request, f"“{entry}” saved.")
        return redirect(f"{patient.get_chart_url()}#history")
    return render(request, "patients/medication_form.html", {"form": form, "patient": patient, "entry": entry})


@staff_view(roles.CHANGE_HISTORY)
@require_POST
def medication_answer(request: ClinicRequest, patient_id: UUID, entry_id: UUID) -> HttpResponse:
    """The chart's answer to "anticoagulant or antiplatelet?" for a medication nobody has classified."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    entry = _medication(patient, entry_id)
    form = MedicationAnswerForm(request.POST, instance=_medication(patient, entry_id))
    answer = partial(services.update_medication, actor=request.user, entry=entry)
    if saved(request, form, lambda: answer(**form.cleaned_data)):
        messages.success(request, f"“{entry}”: answer saved.")
    else:
        messages.error(request, f"“{entry}”: choose yes, no or unknown.")
    return redirect(f"{patient.get_chart_url()}#history")


@staff_view(roles.RECORD_CONSENT)
@require_http_methods(["GET", "POST"])
def consent_add(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    patient = queries.get_patient_for_user(request.user, patient_id)
    form = ConsentForm(request.POST or None, prefix="consent", organization_id=patient.organization_id)
    if saved(request, form, lambda: services.record_consent(actor=request.user, patient=patient, **form.cleaned_data)):
        messages.success(request, "Consent recorded.")
        return redirect(f"{patient.get_chart_url()}#consents")
    return render(
        request, "patients/history_form.html", {"form": form, "patient": patient, "kind": "consent", "title": "consent"}
    )


def signing(
    request: HttpRequest, *, actor: User, patient: Patient, kind: str
) -> tuple[ConsentSignForm, ConsentDocument | None]:
    """Sign one of the clinic's documents for `patient` on the device the request comes from (the clinic's tablet,
    or in the portal the patient's own phone): the form to show, and the document once signed. The version signed
    is the one the page showed; if a newer one came out meanwhile, the form starts again on it with the reason."""
    form = ConsentSignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        document = get_object_or_404(
            ConsentDocument, public_id=form.cleaned_data["document"], organization_id=patient.organization_id, kind=kind
        )
        sign = partial(
            services.sign_consent_document,
            actor=actor,
            patient=patient,
            document=document,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            **{name: value for name, value in form.cleaned_data.items() if name != "document"},
        )
        if saved(request, form, sign):
            return form, document
    if "document" in form.errors:
        messages.error(request, " ".join(str(error) for error in form.errors["document"]))
        form = ConsentSignForm()
    return form, None


@staff_view(roles.RECORD_CONSENT)
@require_http_methods(["GET", "POST"])
def consent_sign(request: ClinicRequest, patient_id: UUID, kind: str) -> HttpResponse:
    """The patient reads one of the clinic's consent documents and signs it on this device."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    current = queries.current_consent_document(request.organization.pk, kind)
    form, signed = signing(request, actor=request.user, patient=patient, kind=kind)
    if signed is not None:
        messages.success(request, f"{signed.title} signed.")
        return redirect(f"{patient.get_chart_url()}#consents")
    if request.method == "GET":
        audit.record(actor=request.user, action=AuditAction.PATIENT_VIEWED, target=patient, detail={"page": "sign"})
    return render(request, "patients/consent_sign.html", {"form": form, "patient": patient, "document": current})


@staff_view(roles.VIEW_PATIENT)
@require_GET
def consent_pdf(request: ClinicRequest, patient_id: UUID, consent_id: UUID) -> FileResponse:
    """A consent's signed PDF, only to staff of the patient's organization, and audited."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    consent = get_object_or_404(Consent.objects.exclude(signed_pdf=""), public_id=consent_id, patient=patient)
    audit.record(actor=request.user, action=AuditAction.CONSENT_PDF_VIEWED, target=consent, patient=patient)
    return document_response(consent.signed_pdf)


@staff_view(roles.PUBLISH_CONSENT_DOCUMENT)
@require_GET
def consent_versions(request: ClinicRequest) -> HttpResponse:
    """The clinic's consent documents: every version published, newest first, and the one patients sign now."""
    versions = ConsentDocument.objects.filter(organization=request.organization).select_related("published_by")
    by_kind: dict[str, list[ConsentDocument]] = {kind: [] for kind in ConsentDocument.KINDS}
    for version in versions.defer("text"):
        by_kind[version.kind].append(version)
    labels = dict(Consent.Kind.choices)
    documents = [{"kind": kind, "label": labels[kind], "versions": by_kind[kind]} for kind in ConsentDocument.KINDS]
    return render(request, "patients/consent_versions.html", {"documents": documents})


@staff_view(roles.PUBLISH_CONSENT_DOCUMENT)
@require_http_methods(["GET", "POST"])
def consent_publish(request: ClinicRequest, kind: str) -> HttpResponse:
    """Publish a new version of one document, starting from the current one's title and text."""
    if kind not in ConsentDocument.KINDS:
        raise Http404("No such consent document.")
    current = ConsentDocument.objects.filter(organization=request.organization, kind=kind).order_by("-version").first()
    starting_from = {"title": current.title, "text": current.text} if current else None
    form = ConsentDocumentForm(request.POST or None, initial=starting_from)
    publish = partial(
        services.publish_consent_document, actor=request.user, organization=request.organization, kind=kind
    )
    if document := saved(request, form, lambda: publish(**form.cleaned_data)):
        messages.success(request, f"{document} published: patients sign it from now on.")
        return redirect("patients:consent_versions")
    label = dict(Consent.Kind.choices)[kind]
    return render(request, "patients/consent_publish.html", {"form": form, "label": label, "current": current})


@staff_view(roles.INVITE_TO_PORTAL)
@require_POST
def portal_invite(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    """Email the patient an invitation to open their portal account (fascia.patients.accounts)."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    try:
        accounts.invite_to_portal(actor=request.user, patient=patient, site=request.build_absolute_uri("/"))
    except accounts.AccountError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, f"Portal invitation sent to {patient.email}.")
    return redirect(f"{patient.get_chart_url()}#portal")


@staff_view(roles.INVITE_TO_PORTAL)
@require_POST
def portal_close(request: ClinicRequest, patient_id: UUID) -> HttpResponse:
    """Close the patient's portal account (asked twice on the chart): no more sign-ins, open sessions end, unused
    invitations are revoked. A new invitation reopens it."""
    patient = queries.get_patient_for_user(request.user, patient_id)
    account = accounts.account_of(patient)
    if account is None:
        messages.error(request, "This patient has no portal account to close.")
    else:
        try:
            accounts.close_account(actor=request.user, account=account)
        except accounts.AccountError as e:
            messages.error(request, str(e))
        else:
            messages.success(request, "Portal account closed: the patient can no longer sign in.")
    return redirect(f"{patient.get_chart_url()}#portal")
