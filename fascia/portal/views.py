"""The patient portal's own pages: signing in, opening the account from an invitation, the home page, consents."""

from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import set_language

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import tenancy
from fascia.core.forms import saved
from fascia.core.models import User
from fascia.core.ratelimit import rate_limited
from fascia.lib.uploads import document_response
from fascia.patients import accounts, intake, links, queries
from fascia.patients.models import Consent, ConsentDocument, PatientAccount, PortalInvitation
from fascia.patients.services import set_preferred_language
from fascia.patients.views import signing
from fascia.portal.auth import PatientRequest, patient_view
from fascia.portal.forms import OpenAccountForm, PortalPasswordChangeForm
from fascia.portal.progress import due_instruments
from fascia.scheduling.models import Appointment

SIGN_IN_BACKEND = "fascia.core.backends.RoleBackend"
NEXT_VISITS = 3  # on the home page


@never_cache
@rate_limited()
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A patient opens their account through the clinic's emailed invitation: their date of birth first (three
    wrong ones lock it), then the email and password they will sign in with. Public: the token is the key, so a
    token that opens nothing is a 404 like any unknown address; each try counts towards the address's rate limit,
    a wrong token too."""
    found = accounts.invitation_for_token(token)
    if found is None:
        raise Http404("No such invitation.")
    with tenancy.acting_for(found.patient.organization_id):
        return _invitation(request, found)


def _invitation(request: HttpRequest, invitation: PortalInvitation) -> HttpResponse:
    context: dict[str, Any] = {"clinic": str(invitation.patient.organization)}

    def page(extra: dict[str, Any], status: int) -> HttpResponse:
        return render(request, "portal/invitation.html", {**context, **extra}, status=status)

    gate = links.birth_date_gate(
        request,
        invitation,
        problem=accounts.invitation_problem,
        check=lambda link, born: accounts.check_invitation_birth_date(invitation=link, birth_date=born),
        refused=accounts.AccountError,
        wrong=lambda left: _("That is not the date of birth we have. Tries left: %(left)d.") % {"left": left},
        page=page,
    )
    if gate is not None:
        return gate
    account_form = OpenAccountForm(request.POST or None, initial={"email": invitation.email})
    try:
        user = saved(
            request,
            account_form,
            lambda: accounts.open_account(
                invitation=invitation,
                email=account_form.cleaned_data["email"],
                password=account_form.cleaned_data["password"],
                language=translation.get_language() or "",
            ),
        )
    except accounts.AccountError as e:
        return render(request, "portal/invitation.html", {**context, "problem": str(e)}, status=410)
    if user is not None:
        login(request, user, backend=SIGN_IN_BACKEND)  # a new session: the verified flag goes with the old one
        messages.success(request, _("Your account is open. Welcome!"))
        return redirect("portal:home")
    return render(
        request, "portal/invitation.html", {**context, "account_form": account_form, "patient": invitation.patient}
    )


def language(request: HttpRequest) -> HttpResponse:
    """The portal's language switch: Django's set_language (the choice kept in a cookie, back to the page); a
    signed-in patient's choice is also kept as the language of their emails (Patient.preferred_language), audited.
    Public, like the sign-in page it serves."""
    response = set_language(request)
    code = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and isinstance(user, User) and user.is_patient_account:
        account = PatientAccount.objects.select_related("patient").filter(user=user).first()
        if account is not None and code in dict(settings.LANGUAGES):
            set_preferred_language(actor=user, patient=account.patient, language=code)
    return response


@patient_view
@require_GET
def home(request: PatientRequest) -> HttpResponse:
    """What the patient has to do (intake, consents to sign, questionnaires to answer) and their next visits (all of
    them, past ones too, are on the Visits page)."""
    patient = request.patient
    upcoming = (
        Appointment.objects.filter(patient=patient, status=Appointment.Status.BOOKED, start_at__gte=timezone.now())
        .select_related("appointment_type", "practitioner__user", "location")
        .order_by("start_at")[:NEXT_VISITS]
    )
    to_sign = [document for document, consent in queries.consent_documents_for(patient) if consent is None]
    due = due_instruments(request)
    audit.record(actor=request.user, action=AuditAction.PORTAL_VIEWED, target=patient, detail={"page": "home"})
    context = {
        "patient": patient,
        "upcoming": upcoming,
        "to_sign": to_sign,
        "intake_due": intake.intake_due(patient),
        "due": due,
    }
    return render(request, "portal/home.html", context)


@patient_view
@require_GET
def consents(request: PatientRequest) -> HttpResponse:
    documents = queries.consent_documents_for(request.patient)
    audit.record(
        actor=request.user, action=AuditAction.PORTAL_VIEWED, target=request.patient, detail={"page": "consents"}
    )
    return render(request, "portal/consents.html", {"documents": documents})


@patient_view
@require_http_methods(["GET", "POST"])
def consent_sign(request: PatientRequest, kind: str) -> HttpResponse:
    """The patient reads one of the clinic's documents and signs it on their own device: the same record, PDF
    and service as signing on the clinic's tablet, with the patient's account as the one who did it."""
    if kind not in ConsentDocument.KINDS:
        raise Http404("No such consent document.")
    patient = request.patient
    current = queries.current_consent_document(patient.organization_id, kind)
    form, signed = signing(request, actor=request.user, patient=patient, kind=kind)
    if signed is not None:
        messages.success(request, _("%(title)s signed. Thank you.") % {"title": signed.title})
        return redirect("portal:consents")
    if request.method == "GET":
        audit.record(actor=request.user, action=AuditAction.PORTAL_VIEWED, target=patient, detail={"page": "sign"})
    return render(request, "portal/consent_sign.html", {"form": form, "patient": patient, "document": current})


@patient_view
@require_GET
def consent_pdf(request: PatientRequest, consent_id: UUID) -> FileResponse:
    """The patient's own signed consent, as a PDF (audited like staff opening it)."""
    consent = get_object_or_404(Consent.objects.exclude(signed_pdf=""), public_id=consent_id, patient=request.patient)
    audit.record(actor=request.user, action=AuditAction.CONSENT_PDF_VIEWED, target=consent, patient=request.patient)
    return document_response(consent.signed_pdf)


class _PasswordChange(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:home")
    success_message = gettext_lazy("Your password is changed.")


password_change = patient_view(_PasswordChange.as_view())
