"""Writes to staff accounts with their practitioner profiles, credentials and CE records: checked, with their
uploads checked, one transaction, audited."""

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core.models import Organization, User
from fascia.core.roles import Role
from fascia.core.two_factor import is_admin
from fascia.lib.uploads import checked_upload
from fascia.practitioners.models import CourseRecord, Credential, Practitioner, RenewalRequirement


class StaffError(Exception):
    """A staff account change that the rules refuse (an admin removing their own role, say)."""


def may_edit(actor: User, practitioner: Practitioner) -> bool:
    """Admins keep every practitioner's record; a practitioner keeps their own."""
    return is_admin(actor) or practitioner.user_id == actor.pk


@transaction.atomic
def save_credential(*, actor: User, credential: Credential, upload: "File[bytes] | None" = None) -> Credential:
    # Credentials grant privileges (a certification lets a technique be planned and billed), so an
    # admin records them after seeing the document; practitioners record their own CE.
    if not is_admin(actor):
        raise PermissionError("Only an admin records credentials.")
    kind = checked_upload(upload, "document") if upload is not None else ""
    credential.full_clean(exclude=["document"])
    if upload is not None:
        credential.document, credential.document_type = upload, kind
    credential.save()
    audit.record(actor=actor, action=AuditAction.CREDENTIAL_SAVED, target=credential)
    return credential


@transaction.atomic
def add_course(*, actor: User, course: CourseRecord, upload: "File[bytes] | None" = None) -> CourseRecord:
    """Record a CE course. It must be over, and fall inside the practitioner's credentials' time
    (no later than today, no earlier than the first credential's issue date)."""
    if not may_edit(actor, course.practitioner):
        raise PermissionError("Only an admin or the practitioner records these courses.")
    kind = checked_upload(upload, "certificate") if upload is not None else ""
    course.full_clean(exclude=["certificate"])
    if course.completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "Record a course once it is completed."})
    first = course.practitioner.credentials.order_by("issued_on").first()
    if first is not None and course.completed_on < first.issued_on:
        since = f"{first.issued_on:%Y-%m-%d}"
        raise ValidationError(
            {"completed_on": f"It falls outside every renewal cycle: the first credential is from {since}."}
        )
    if upload is not None:
        course.certificate, course.certificate_type = upload, kind
    course.save()
    audit.record(actor=actor, action=AuditAction.COURSE_RECORDED, target=course)
    return course


@transaction.atomic
def save_requirement(*, actor: User, requirement: RenewalRequirement) -> RenewalRequirement:
    if not is_admin(actor):
        raise PermissionError("Only an admin edits renewal requirements.")
    requirement.full_clean()
    requirement.save()
    audit.record(actor=actor, action=AuditAction.CREDENTIAL_SAVED, target=requirement)
    return requirement


def _save_practitioner_profile(user: User, profile: dict[str, Any] | None) -> None:
    if profile is None:
        return
    locations = profile.pop("locations", None)
    practitioner = getattr(user, "practitioner", None) or Practitioner(user=user)
    for name, value in profile.items():
        setattr(practitioner, name, value)
    practitioner.full_clean()
    practitioner.save()
    if locations is not None:
        practitioner.locations.set(locations)


@transaction.atomic
def create_staff(
    *,
    actor: User,
    organization: Organization,
    role: str,
    password: str,
    practitioner_profile: dict[str, Any] | None = None,
    **fields: Any,
) -> User:
    """Create a staff account with one role; practitioners also get their clinical profile."""
    if role == Role.PRACTITIONER and practitioner_profile is None:
        raise StaffError("A practitioner needs a practitioner profile (NPI, license).")
    user = User(organization=organization, **fields)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    _save_practitioner_profile(user, practitioner_profile if role == Role.PRACTITIONER else None)
    audit.record(actor=actor, action=AuditAction.STAFF_CREATED, target=user, detail={"role": role})
    return user


@transaction.atomic
def update_staff(
    *,
    actor: User,
    user: User,
    role: str,
    practitioner_profile: dict[str, Any] | None = None,
    **fields: Any,
) -> User:
    if user == actor and (role != Role.ADMIN or not fields.get("is_active", True)):
        raise StaffError("You cannot remove your own admin role or deactivate your own account.")
    if role == Role.PRACTITIONER and practitioner_profile is None and not hasattr(user, "practitioner"):
        raise StaffError("A practitioner needs a practitioner profile (NPI, license).")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    _save_practitioner_profile(user, practitioner_profile if role == Role.PRACTITIONER else None)
    audit.record(actor=actor, action=AuditAction.STAFF_UPDATED, target=user, detail={"role": role})
    return user
