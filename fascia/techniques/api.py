from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from fascia import audit
from fascia.audit.models import AuditAction
from fascia.core import roles
from fascia.core.api import api_user
from fascia.patients.models import BodyRegion
from fascia.patients.queries import get_patient_for_user
from fascia.techniques.models import Technique
from fascia.techniques.queries import SYMPTOMS, screen_patient

router = Router(tags=["techniques"])


class TechniqueOut(Schema):
    code: str
    name: str
    description: str
    cpt_code: str
    timed: bool
    tags: list[str]
    indications: str


class ScreenIn(Schema):
    technique: str
    region: BodyRegion
    symptoms: list[str] = Field(default_factory=list, description=f"Today's: {', '.join(SYMPTOMS)}")


class FindingOut(Schema):
    rule: str
    level: str
    reason: str
    source: str


class ScreenOut(Schema):
    technique: str
    region: str
    level: str | None
    findings: list[FindingOut]


@router.get("/techniques", response=list[TechniqueOut], summary="Your organization's technique catalog")
def list_techniques(request: HttpRequest) -> list[Technique]:
    user = api_user(request, roles.VIEW_TECHNIQUE)
    return list(Technique.objects.filter(organization_id=user.member_organization_id, is_active=True))


@router.post(
    "/patients/{patient_id}/screen",
    response=ScreenOut,
    summary="Screen a technique on a body region against the patient's contraindications",
)
def screen(request: HttpRequest, patient_id: UUID, payload: ScreenIn) -> ScreenOut:
    user = api_user(request, roles.VIEW_HISTORY, roles.VIEW_TECHNIQUE)
    patient = get_patient_for_user(user, patient_id)
    technique = Technique.objects.filter(
        organization_id=patient.organization_id, code=payload.technique, is_active=True
    ).first()
    if technique is None:
        raise HttpError(422, f"Unknown technique {payload.technique!r}.")
    unknown = set(payload.symptoms) - set(SYMPTOMS)
    if unknown:
        raise HttpError(422, f"Unknown symptom(s): {', '.join(sorted(unknown))}; use {', '.join(SYMPTOMS)}.")
    findings = screen_patient(patient, technique, payload.region.value, symptoms=frozenset(payload.symptoms))
    audit.record(
        actor=user,
        action=AuditAction.PATIENT_SCREENED,
        target=patient,
        detail={"technique": technique.code, "region": payload.region.value},
    )
    return ScreenOut(
        technique=technique.code,
        region=payload.region.value,
        level=findings[0].level.value if findings else None,
        findings=[FindingOut(rule=f.rule, level=f.level.value, reason=f.reason, source=f.source) for f in findings],
    )
