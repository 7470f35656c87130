"""Fuzzes every /api/v1/ operation with schemathesis: schema-valid input never crashes, answers conform.

Each operation gets a few derandomized examples per persona (an admin and a practitioner, each with a
bearer token), sent through the WSGI app in-process, so the test's database connection serves them.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fascia.api import api
from fascia.core import services
from fascia.core.models import Organization, User
from fascia.patients.tests.factories import PatientFactory
from fascia.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application
# Valid input only (invalid input is the API tests' job); the token comes from the persona, not the fuzzer.
schema.config.generation.update(modes=[GenerationMode.POSITIVE], with_security_parameters=False)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go through the real WSGI handler, which would close the test's (transactional) connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["ada", "tess"])
def bearer(request: pytest.FixtureRequest, organization: Organization) -> dict[str, str]:
    user: User = request.getfixturevalue(request.param)
    PatientFactory(organization=organization)
    return {"Authorization": f"Bearer {services.create_api_token(actor=user, user=user, name='fuzz')[1]}"}


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_survives_fuzzing(case, bearer: dict[str, str]) -> None:
    case.call_and_validate(headers=bearer, checks=CHECKS)
