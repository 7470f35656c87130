"""Read typed settings from FASCIA_* environment variables, failing loudly on bad values."""

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    """The variable's value, or the content of the file named by NAME_FILE (for secrets)."""
    file_name = os.getenv(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.getenv(name) or default  # set-but-empty means "use the default"


def env_bool(name: str, default: str) -> bool:
    value = os.getenv(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use 'True' or 'False'")
    return value == "True"


def env_int(name: str, default: str, *, minimum: int = 0) -> int:
    value = os.getenv(name, default)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use {minimum} or more")
    return number


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


RATE_UNITS = {"s": 1, "m": 60, "h": 3600}


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate such as "20/10m" (at most 20 in 10 minutes; units s, m, h) as (count, seconds)."""
    value = os.getenv(name) or default
    match = re.fullmatch(r"(\d+)/(\d*)([smh])", value.strip())
    if match is None or int(match[1]) < 1 or match[2] == "0":
        raise ImproperlyConfigured(f"Unexpected value {name}={value!r}, use a count per time such as '20/10m'")
    return int(match[1]), int(match[2] or 1) * RATE_UNITS[match[3]]
