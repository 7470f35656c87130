import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from fascia.conftest import login
from fascia.core.models import User
from fascia.lib.logs import RefusalWithoutTraceback


def test_a_refused_page_is_one_warning_without_a_traceback(
    client: Client, frank: User, caplog: pytest.LogCaptureFixture
) -> None:
    login(client, frank)  # the front desk may not read the audit trail
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("core:audit_search")).status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /audit/"
    assert record.exc_info is None and "Traceback" not in caplog.text


def _record(error: Exception) -> logging.LogRecord:
    try:
        raise error
    except Exception:
        exc_info = sys.exc_info()
    return logging.LogRecord("django.request", logging.ERROR, __file__, 1, "failed", (), exc_info)


def test_other_errors_keep_their_traceback() -> None:
    record = _record(ValueError("a fault"))
    assert RefusalWithoutTraceback().filter(record) and record.exc_info is not None
    refused = _record(PermissionDenied())
    assert RefusalWithoutTraceback().filter(refused) and refused.exc_info is None
