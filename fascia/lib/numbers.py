"""How dashboards show rates and averages: a missing figure (nothing to divide by) is a dash, never 0 or an error."""

from decimal import Decimal

MISSING = "—"


def percent(value: float | None, places: int = 1) -> str:
    """A ratio (0.25) as a percentage ("25.0 %"); None, a rate with nothing to divide by, as "—"."""
    if value is None:
        return MISSING
    return f"{value * 100:.{places}f} %"


def decimal(value: float | Decimal | None, places: int = 1) -> str:
    """A number to `places` places; None as "—"."""
    if value is None:
        return MISSING
    return f"{value:,.{places}f}"
