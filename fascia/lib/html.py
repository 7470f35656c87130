"""HTML made in Python where a template would run once per cell of a large page."""

from html import escape
from typing import Any


def esc(value: Any) -> str:
    """Django's conditional_escape without its check for lazy arguments: a long form or a day's grid
    escapes a couple of thousand values, and that check cost more than the escaping."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))
