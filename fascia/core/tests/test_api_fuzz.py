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
from schemathesis import Case
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

CONFIG = SchemathesisConfig.from_path(Path(__file__).resolve().parents[3] / "schemathesis.toml")
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)
schema.app = application
# Both modes; the token comes from the persona, not the fuzzer (ignored_auth checks a request without it).
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], with_security_parameters=False
)
schema.config.phases.update(phases=["fuzzing"])

CHECKS = [
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
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_survives_fuzzing(case: Case, bearer: Callable[[str], dict[str, str]]) -> None:
    case.call_and_validate(headers=bearer(persona(case)), checks=CHECKS)
