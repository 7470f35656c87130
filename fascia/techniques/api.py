from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from fascia.core import roles
from fascia.core.api import api_user, inline, one_of
from fascia.patients.models import BodyRegion
from fascia.techniques.facts import LOCAL_FINDINGS, PRESSURES
from fascia.techniques.models import Technique
from fascia.techniques.queries import SYMPTOMS

router = Router(tags=["techniques"])


class TechniqueOut(Schema):
    code: str
    name: str
    description: str
    cpt_code: str
    timed: bool
    tags: list[str]
    indications: str


# The codes below are stated in the schema; local_findings_of and the views refuse others with 422.
Finding = Annotated[str, one_of(LOCAL_FINDINGS)]
Region = Annotated[str, inline(BodyRegion)]
Symptom = Annotated[str, one_of(SYMPTOMS)]


class ScreenFindingIn(Schema):
    finding: Finding
    region: Region = Field(..., description="The treatment region it is on")


class ScreenIn(Schema):
    technique: str = Field(..., description="Catalog code, e.g. deep-tissue (see GET /techniques)")
    region: Annotated[BodyRegion, inline(BodyRegion)]
    pressure: Annotated[str, one_of(PRESSURES)] | None = Field(
        None, description="Firm or deep pressure is deep work whatever the technique"
    )
    symptoms: list[Symptom] = Field(default_factory=list, description="Today's")
    findings: list[ScreenFindingIn] = Field(
        default_factory=list, description="Today's local findings, each {finding, region}"
    )


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


def local_findings_of(payload: ScreenIn) -> list[tuple[str, str]]:
    """The pressure and today's local findings checked (a ValidationError naming each unknown value, which the
    API answers 422), the findings as (finding, region) pairs."""
    errors: dict[str, str] = {}
    if payload.pressure and payload.pressure not in PRESSURES:
        errors["pressure"] = f"Unknown pressure {payload.pressure!r}: one of {', '.join(PRESSURES)}."
    for number, row in enumerate(payload.findings):
        if row.finding not in LOCAL_FINDINGS:
            errors[f"findings.{number}.finding"] = (
                f"Unknown finding {row.finding!r}: one of {', '.join(LOCAL_FINDINGS)}."
            )
        if row.region not in BodyRegion.values:
            errors[f"findings.{number}.region"] = f"Unknown region {row.region!r}: a body region code, e.g. lower-back."
    if errors:
        raise ValidationError(errors)
    return [(row.finding, row.region) for row in payload.findings]


@router.get("/techniques", response=list[TechniqueOut], summary="Your organization's technique catalog")
def list_techniques(request: HttpRequest) -> list[Technique]:
    user = api_user(request, roles.VIEW_TECHNIQUE)
    return list(Technique.objects.filter(organization_id=user.member_organization_id, is_active=True))
