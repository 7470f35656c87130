from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fascia.core.models import User


def test_create_api_token_prints_a_working_token(frank: User) -> None:
    out = StringIO()
    call_command("create_api_token", "frank", name="intake tablet", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    r = Client().get("/api/v1/patients", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200
    assert frank.api_tokens.get().name == "intake tablet"


def test_create_api_token_refuses_an_unknown_user(db) -> None:
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody", name="x")
