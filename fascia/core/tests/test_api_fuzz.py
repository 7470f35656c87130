"""Fuzzes every /api/v1/ operation with schemathesis, as a reviewer's `schemathesis run` does.

Valid and invalid input (positive and negative modes), the coverage phase's boundary values and the fuzzing
phase, with the checks that compare the API with its OpenAPI schema: no input answers 5xx; every answer is
documented, in its content type and schema (errors in {"errors": [...]}); what the schema refuses, the API
refuses; what the schema admits, the API accepts, but where schemathesis.toml (the reviewer's settings too)
lists 422 for an operation whose rules reach past one field (a referenced record, a catalog code, dates in
order); and a request without credentials is refused.

Each operation gets a bounded, derandomized number of examples per persona (an admin and a practitioner,
each with a bearer token), sent through the WSGI app in-process, so the test's database connection serves
them.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from fascia.api import api
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.patients.tests.factories import PatientFactory
from fascia.wsgi import application

# The reviewer's settings, but where schemathesis.toml lets an operation answer 422 to any well-formed input,
# this test lets it only about the fields in BEYOND_THE_FIELD (reference_rejection judges every 422).
CONFIG = SchemathesisConfig.from_path(Path(__file__).resolve().parents[3] / "schemathesis.toml")
ACCEPTED = ["2xx", "401", "403", "404", "409", "422"]
CONFIG.projects.default.checks.positive_data_acceptance.expected_statuses = ACCEPTED
for operation in CONFIG.projects.default.operations.operations:
    operation.checks.positive_data_acceptance.expected_statuses = ACCEPTED
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = application
# Both modes; the token comes from the persona, not the fuzzer (ignored_auth checks a request without it).
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], with_security_parameters=False
)
schema.config.phases.update(phases=["coverage", "fuzzing"])

# The fields whose rule the schema cannot state, by operation: they name a record or a code of the organization
# (or its catalog), or must agree with another field or the record's state; "" is an error about no one field.
BEYOND_THE_FIELD = {
    "POST /api/v1/patients": {"preferred_location_id", "preferred_practitioner_id", "pregnancy_due_date"},
    "PATCH /api/v1/patients/{patient_id}": {"preferred_location_id", "preferred_practitioner_id", "pregnancy_due_date"},
    "POST /api/v1/measures/score": {""},
    "POST /api/v1/patients/{patient_id}/evaluations": {
        "diagnoses",
        "red_flags",
        "body_marks",
        "palpation",
        "rom",
        "special_tests",
        "",
    },
    "PATCH /api/v1/evaluations/{evaluation_id}": {
        "diagnoses",
        "red_flags",
        "body_marks",
        "palpation",
        "rom",
        "special_tests",
        "",
    },
    "POST /api/v1/evaluations/{evaluation_id}/sign": {""},
    "POST /api/v1/evaluations/{evaluation_id}/clearances": {"flag"},
    "POST /api/v1/appointments": {"practitioner_id", "location_id", "type", "room_id"},
    "POST /api/v1/appointments/{appointment_id}/reschedule": {"practitioner_id", "location_id", "room_id"},
    "GET /api/v1/appointments/free-slots": {"practitioner_id", "location_id", "type"},
    "POST /api/v1/patients/{patient_id}/notes": {
        "appointment_id",
        "techniques",
        "findings",
        "rom",
        "goal_progress",
        "local_findings",
        "",
    },
    "PATCH /api/v1/notes/{note_id}": {"techniques", "findings", "rom", "goal_progress", "local_findings", ""},
    "POST /api/v1/notes/{note_id}/sign": {""},
    "POST /api/v1/practitioners/{practitioner_id}/credentials": {"expires_on", "state", "specialty", ""},
    "POST /api/v1/practitioners/{practitioner_id}/courses": {"completed_on", "started_on", ""},
    "POST /api/v1/patients/{patient_id}/screen": {""},
}


@schemathesis.check
def reference_rejection(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Valid input answered 422 only about fields in BEYOND_THE_FIELD, each error with its message."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    allowed = BEYOND_THE_FIELD.get(case.operation.label, set())
    errors = response.json()["errors"]
    refused = {error.get("field", "").split(".")[0] for error in errors}
    assert refused <= allowed, f"Valid input refused (422) for {sorted(refused - allowed)}: {errors}"
    return None


CHECKS = [
    reference_rejection,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    ignored_auth,
]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go through the real WSGI handler, which would close the test's (transactional) connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Each operation is fuzzed as the role that uses it, so valid input reaches past the role check: the clinical
# record as the practitioner, the rest as the admin. Which roles are refused is each endpoint's own tests' job.
CLINICAL = {"evaluations", "visit notes", "techniques"}


def persona(case: Case) -> str:
    return "tess" if CLINICAL & set(case.operation.tags or ()) else "ada"


@pytest.fixture
def bearer(request: pytest.FixtureRequest, organization: Organization) -> Callable[[str], dict[str, str]]:
    PatientFactory(organization=organization)
    tokens: dict[str, str] = {}

    def header(name: str) -> dict[str, str]:
        if name not in tokens:
            user: User = request.getfixturevalue(name)
            tokens[name] = services.create_api_token(actor=user, user=user, name="fuzz")[1]
        return {"Authorization": f"Bearer {tokens[name]}"}

    return header


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_survives_fuzzing(case: Case, bearer: Callable[[str], dict[str, str]]) -> None:
    case.call_and_validate(headers=bearer(persona(case)), checks=CHECKS)
