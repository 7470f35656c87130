from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.auth import ClinicRequest, staff_view
from fascia.core.forms import saved
from fascia.core.models import User
from fascia.core.queries import role_of
from fascia.core.roles import Role
from fascia.lib.pdf import render_pdf
from fascia.lib.uploads import document_response
from fascia.practitioners import queries, services
from fascia.practitioners.credentials import EXPIRING_DAYS
from fascia.practitioners.forms import CourseForm, CredentialForm, PractitionerForm, RequirementForm, StaffForm
from fascia.practitioners.models import CourseRecord, Credential, Practitioner, RenewalRequirement
from fascia.practitioners.pdf import transcript_context


def _page(
    request: ClinicRequest,
    practitioner: Practitioner,
    *,
    credential_form: CredentialForm | None = None,
    course_form: CourseForm | None = None,
) -> HttpResponse:
    """The credentials page, with either form bound when it came back with errors."""
    can_edit = request.user.has_perm(roles.CHANGE_CREDENTIALS) and services.may_edit(request.user, practitioner)
    context = {
        "practitioner": practitioner,
        "rows": queries.credential_rows(
            practitioner, timezone.localdate(), queries.requirements(request.organization.pk)
        ),
        "courses": list(practitioner.courses.all()),
        "can_edit": can_edit,
        "is_own": practitioner.user_id == request.user.pk,
        "can_see_all": request.user.has_perm(roles.MANAGE_STAFF),
        "expiring_days": EXPIRING_DAYS,
        "credential_form": (credential_form or CredentialForm(prefix="credential"))
        if request.user.has_perm(roles.MANAGE_STAFF)
        else None,
        "course_form": (course_form or CourseForm(prefix="course")) if can_edit else None,
    }
    return render(request, "practitioners/detail.html", context)


@staff_view(roles.VIEW_CREDENTIALS)
@require_GET
def mine(request: ClinicRequest) -> HttpResponse:
    """The signed-in practitioner's own credentials page (403 for an account without a profile)."""
    return _page(request, queries.get_own_practitioner(request.user))


@staff_view(roles.VIEW_CREDENTIALS)
@require_GET
def detail(request: ClinicRequest, practitioner_id: UUID) -> HttpResponse:
    return _page(request, queries.get_practitioner_for_user(request.user, practitioner_id))


@staff_view(roles.MANAGE_STAFF)
@require_POST
def credential_add(request: ClinicRequest, practitioner_id: UUID) -> HttpResponse:
    practitioner = queries.get_practitioner_for_user(request.user, practitioner_id)
    form = CredentialForm(request.POST, request.FILES, prefix="credential")
    form.instance.practitioner = practitioner
    if saved(
        request,
        form,
        lambda: services.save_credential(
            actor=request.user, credential=form.instance, upload=form.cleaned_data["document"]
        ),
    ):
        messages.success(request, f"{form.instance.name} saved.")
        return redirect("practitioners:detail", practitioner.public_id)
    return _page(request, practitioner, credential_form=form)


@staff_view(roles.CHANGE_CREDENTIALS)
@require_POST
def course_add(request: ClinicRequest, practitioner_id: UUID) -> HttpResponse:
    practitioner = queries.get_practitioner_for_user(request.user, practitioner_id)
    form = CourseForm(request.POST, request.FILES, prefix="course")
    form.instance.practitioner = practitioner
    if saved(
        request,
        form,
        lambda: services.add_course(actor=request.user, course=form.instance, upload=form.cleaned_data["certificate"]),
    ):
        messages.success(request, f"{form.instance.title} recorded: {form.instance.hours:g} hours.")
        return redirect("practitioners:detail", practitioner.public_id)
    return _page(request, practitioner, course_form=form)


@staff_view(roles.VIEW_CREDENTIALS)
@require_GET
def document(request: ClinicRequest, public_id: UUID, kind: str) -> FileResponse:
    """A credential's copy or a course certificate, to its practitioner or an admin, and audited."""
    record: Credential | CourseRecord = queries.get_document_for_user(request.user, kind, public_id)
    stored = record.document if isinstance(record, Credential) else record.certificate
    if not stored:
        raise Http404("No copy on file.")
    audit.record(actor=request.user, action=AuditAction.DOCUMENT_VIEWED, target=record, detail={"kind": kind})
    return document_response(stored)


@staff_view(roles.VIEW_CREDENTIALS, roles.MANAGE_STAFF)
@require_GET
def compliance(request: ClinicRequest) -> HttpResponse:
    """Every practitioner: what is current, expiring, lapsed or missing, and CE toward renewal."""
    rows = queries.compliance(request.user, timezone.localdate())
    return render(
        request,
        "practitioners/compliance.html",
        {
            "rows": rows,
            "expiring_days": EXPIRING_DAYS,
            "fully_credentialed": sum(1 for r in rows if r.fully_credentialed),
        },
    )


@staff_view(roles.VIEW_CREDENTIALS)
@require_GET
def transcript(request: ClinicRequest, practitioner_id: UUID) -> HttpResponse:
    """The CE transcript PDF, for renewal applications."""
    practitioner = queries.get_practitioner_for_user(request.user, practitioner_id)
    today = timezone.localdate()
    context = transcript_context(
        practitioner, queries.requirements(request.organization.pk), request.organization, today
    )
    audit.record(actor=request.user, action=AuditAction.TRANSCRIPT_EXPORTED, target=practitioner, detail={"pdf": "ce"})
    response = HttpResponse(render_pdf("practitioners/transcript.html", context), content_type="application/pdf")
    name = slugify(practitioner.user.last_name) or "practitioner"
    response["Content-Disposition"] = f'inline; filename="ce-transcript-{name}-{today:%Y%m%d}.pdf"'
    return response


@staff_view(roles.MANAGE_STAFF)
@require_GET
def requirements(request: ClinicRequest) -> HttpResponse:
    """The CE renewal requirements the compliance figures use, with their sources."""
    return render(
        request, "practitioners/requirements.html", {"requirements": queries.requirements(request.organization.pk)}
    )


@staff_view(roles.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def requirement_edit(request: ClinicRequest, requirement_id: int | None = None) -> HttpResponse:
    own = request.organization.renewal_requirements
    requirement = (
        get_object_or_404(own, pk=requirement_id)
        if requirement_id
        else RenewalRequirement(organization=request.organization)
    )
    form = RequirementForm(request.POST or None, instance=requirement)
    if saved(request, form, lambda: services.save_requirement(actor=request.user, requirement=form.instance)):
        messages.success(request, f"{form.instance} saved.")
        return redirect("practitioners:requirements")
    title = str(requirement) if requirement.pk else "New renewal requirement"
    return render(request, "practitioners/requirement_form.html", {"form": form, "title": title})


@staff_view(roles.MANAGE_STAFF)
def staff_list(request: ClinicRequest) -> HttpResponse:
    staff = (
        User.objects.filter(organization=request.organization, is_patient_account=False)
        .select_related("practitioner")
        .prefetch_related("groups")
        .order_by("-is_active", "last_name", "first_name")
    )
    role_names: dict[str | None, str] = dict(Role.choices)
    rows = [(user, role_names.get(role_of(user), "—")) for user in staff]
    return render(request, "practitioners/staff_list.html", {"rows": rows})


@staff_view(roles.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_edit(request: ClinicRequest, user_id: UUID | None = None) -> HttpResponse:
    editing = user_id is not None
    staff = (
        get_object_or_404(User, public_id=user_id, organization=request.organization, is_patient_account=False)
        if editing
        else User(organization=request.organization)
    )
    initial = {"role": role_of(staff)} if editing else {"role": Role.PRACTITIONER}
    form = StaffForm(request.POST or None, instance=staff, initial=initial, editing=editing)
    profile_form = PractitionerForm(
        request.POST or None,
        instance=getattr(staff, "practitioner", None) if editing else None,
        organization=request.organization,
        prefix="practitioner",
    )
    if request.method == "POST" and form.is_valid():
        role = form.cleaned_data["role"]
        profile = None
        if role == Role.PRACTITIONER:
            profile = dict(profile_form.cleaned_data) if profile_form.is_valid() else None
        if role != Role.PRACTITIONER or profile is not None:
            fields = {n: form.cleaned_data[n] for n in ("username", "first_name", "last_name", "email", "is_active")}
            try:
                if editing:
                    services.update_staff(
                        actor=request.user, user=staff, role=role, practitioner_profile=profile, **fields
                    )
                else:
                    staff = services.create_staff(
                        actor=request.user,
                        organization=request.organization,
                        role=role,
                        password=form.cleaned_data["password"],
                        practitioner_profile=profile,
                        **fields,
                    )
            except ValidationError as e:
                form.add_error("password" if not editing and not hasattr(e, "error_dict") else None, e)
            except services.StaffError as e:
                form.add_error(None, str(e))
            else:
                messages.success(request, f"{staff.display_name} saved.")
                return redirect("practitioners:staff_list")
    context = {"form": form, "profile_form": profile_form, "staff": staff if editing else None}
    return render(request, "practitioners/staff_form.html", context)
