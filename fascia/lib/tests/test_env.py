import pytest
from django.core.exceptions import ImproperlyConfigured

from fascia.lib.env import env_bool, env_int, env_list, env_rate, env_str


def test_env_bool_accepts_only_true_and_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASCIA_X", "True")
    assert env_bool("FASCIA_X", "False") is True
    monkeypatch.setenv("FASCIA_X", "yes")
    with pytest.raises(ImproperlyConfigured, match="FASCIA_X"):
        env_bool("FASCIA_X", "False")


def test_env_int_refuses_text_and_small_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_int("FASCIA_UNSET", "15") == 15
    monkeypatch.setenv("FASCIA_X", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("FASCIA_X", "1")
    monkeypatch.setenv("FASCIA_X", "0")
    with pytest.raises(ImproperlyConfigured, match="1 or more"):
        env_int("FASCIA_X", "1", minimum=1)


def test_env_str_reads_a_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("FASCIA_KEY_FILE", str(secret))
    assert env_str("FASCIA_KEY") == "s3cret"


def test_env_list_splits_on_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASCIA_HOSTS", "a.example, b.example,")
    assert env_list("FASCIA_HOSTS", "") == ["a.example", "b.example"]


def test_env_rate_reads_a_count_per_time_and_refuses_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_rate("FASCIA_UNSET", "20/10m") == (20, 600)
    monkeypatch.setenv("FASCIA_X", "5/h")
    assert env_rate("FASCIA_X", "20/10m") == (5, 3600)
    monkeypatch.setenv("FASCIA_X", "100/30s")
    assert env_rate("FASCIA_X", "20/10m") == (100, 30)
    for bad in ("20", "0/10m", "20/0m", "20/10d", "twenty/10m", "-1/10m"):
        monkeypatch.setenv("FASCIA_X", bad)
        with pytest.raises(ImproperlyConfigured):
            env_rate("FASCIA_X", "20/10m")
