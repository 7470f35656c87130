"""A practitioner's credentials and CE courses: read by admins and the practitioner themself.

Admins keep the credentials; courses are recorded by admins or the practitioner. Uploads (copies,
certificates) go through the pages, not this JSON API.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, WithJsonSchema

from fascia.core.api import api_user, inline, limits
from fascia.core.two_factor import is_admin
from fascia.practitioners import services
from fascia.practitioners.credentials import Standing, standing
from fascia.practitioners.models import CECategory, CourseRecord, Credential
from fascia.practitioners.queries import get_practitioner_for_user, requirements

router = Router(tags=["credentials"])


class CEProgressOut(Schema):
    cycle_starts: date = Field(..., alias="cycle.starts")
    cycle_ends: date = Field(..., alias="cycle.ends")
    days_left: int
    required: float = Field(..., description="CE hours the renewal takes")
    counted: float = Field(..., description="Hours of courses completed inside the cycle")
    by_category: dict[str, float] = Field(..., description="Hours counted per category that has a minimum")
    missing: dict[str, float] = Field(..., description='Hours still needed per category, and "total"; empty when met')


class CredentialOut(Schema):  # read from a credentials.Standing
    id: UUID = Field(..., alias="credential.public_id")
    kind: str = Field(..., alias="credential.kind")
    specialty: str = Field(..., alias="credential.specialty")
    name: str = Field(..., alias="credential.name")
    issuing_body: str = Field(..., alias="credential.issuing_body")
    state: str = Field(..., alias="credential.state")
    number: str = Field(..., alias="credential.number")
    coverage_limits: str = Field(..., alias="credential.coverage_limits")
    issued_on: date = Field(..., alias="credential.issued_on")
    expires_on: date | None = Field(..., alias="credential.expires_on")
    status: str = Field(..., alias="credential.status")
    has_copy: bool
    standing: str = Field(..., alias="state", description="current, expiring (within 90 days), expired or inactive")
    days_left: int | None = Field(..., description="Days until it expires (negative once expired)")
    ce: CEProgressOut | None = Field(
        ..., alias="progress", description="Progress toward the renewal's CE, when one is required"
    )

    @staticmethod
    def resolve_has_copy(s: Standing) -> bool:
        return bool(s.credential.document)


class CredentialIn(Schema):
    kind: Annotated[Credential.Kind, inline(Credential.Kind)]
    specialty: str = Field("", description="Specialty certifications: e.g. mld, oncology")
    name: str = Field(..., max_length=120)
    issuing_body: str = Field(..., max_length=120)
    state: str = Field("", description="Licenses: the two-letter state")
    number: str = Field("", max_length=40)
    coverage_limits: str = Field("", max_length=80)
    issued_on: date
    expires_on: date | None = Field(None, description="Leave out when it does not expire")
    status: Annotated[Credential.Status, inline(Credential.Status)] = Credential.Status.ACTIVE


class CourseOut(Schema):
    id: UUID = Field(..., alias="public_id")
    title: str
    provider: str
    approval_number: str
    category: str
    hours: float
    live: bool
    started_on: date
    completed_on: date
    has_certificate: bool

    @staticmethod
    def resolve_has_certificate(c: CourseRecord) -> bool:
        return bool(c.certificate)


_hours = limits(CourseRecord, "hours").metadata  # [Ge(0.5), Le(100)]
HOURS_SCHEMA = {"minimum": float(_hours[0].ge), "maximum": float(_hours[1].le), "multipleOf": 0.5}


class CourseIn(Schema):
    title: str = Field(..., max_length=200)
    provider: str = Field(..., max_length=120)
    approval_number: str = Field("", max_length=40)
    category: CECategory
    # A number (pydantic would also state a text for a Decimal), in half hours within the model's limits.
    hours: Annotated[Decimal, limits(CourseRecord, "hours"), WithJsonSchema({"type": "number", **HOURS_SCHEMA})] = (
        Field(..., multiple_of=0.5, description="In half hours")
    )
    live: StrictBool = True
    started_on: date
    completed_on: date


@router.get(
    "/practitioners/{practitioner_id}/credentials",
    response=list[CredentialOut],
    summary="A practitioner's credentials, each current, expiring or expired, with its CE progress",
)
def list_credentials(request: HttpRequest, practitioner_id: UUID) -> list[Standing]:
    user = api_user(request)
    practitioner = get_practitioner_for_user(user, practitioner_id)
    return standing(practitioner, timezone.localdate(), requirements=requirements(user.member_organization_id))


@router.post(
    "/practitioners/{practitioner_id}/credentials",
    response={201: CredentialOut},
    summary="Record a credential (admins; the copy is uploaded on the page)",
)
def create_credential(request: HttpRequest, practitioner_id: UUID, payload: CredentialIn) -> Status:
    user = api_user(request)
    practitioner = get_practitioner_for_user(user, practitioner_id)
    # The service lets practitioners keep their own too; through the API, credentials are the admins'.
    if not is_admin(user):
        raise PermissionDenied("Only admins record credentials.")
    fields = {k: getattr(v, "value", v) for k, v in payload.dict().items()}
    credential = services.save_credential(actor=user, credential=Credential(practitioner=practitioner, **fields))
    practitioner = get_practitioner_for_user(user, practitioner_id)  # with the new credential
    return Status(
        201,
        next(
            s
            for s in standing(
                practitioner, timezone.localdate(), requirements=requirements(user.member_organization_id)
            )
            if s.credential.pk == credential.pk
        ),
    )


@router.get(
    "/practitioners/{practitioner_id}/courses",
    response=list[CourseOut],
    summary="A practitioner's CE courses, latest first",
)
def list_courses(request: HttpRequest, practitioner_id: UUID) -> list[CourseRecord]:
    practitioner = get_practitioner_for_user(api_user(request), practitioner_id)
    return list(practitioner.courses.all())


@router.post(
    "/practitioners/{practitioner_id}/courses",
    response={201: CourseOut},
    summary="Record a completed CE course (admins or the practitioner; the certificate is uploaded on the page)",
)
def create_course(request: HttpRequest, practitioner_id: UUID, payload: CourseIn) -> Status:
    user = api_user(request)
    practitioner = get_practitioner_for_user(user, practitioner_id)
    fields = {k: getattr(v, "value", v) for k, v in payload.dict().items()}
    try:
        course = services.add_course(actor=user, course=CourseRecord(practitioner=practitioner, **fields))
    except PermissionError as e:
        raise PermissionDenied(str(e)) from None
    return Status(201, course)
