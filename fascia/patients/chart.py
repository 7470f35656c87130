"""Sections that other apps add to the patient chart (evaluations, plans, visits, claims).

The chart belongs to patients, but its sections belong to the apps that own their data; each app
registers its section in its AppConfig.ready(), so patients never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChartSection:
    order: int
    title: str
    template: str
    permission: str
    context: Callable[[Any, Any], dict]  # (patient, user) -> template context; a fixed number of queries


_SECTIONS: list[ChartSection] = []


def register(**fields: Any) -> None:
    """Add a section (ChartSection's fields) to every patient's chart, once."""
    section = ChartSection(**fields)
    if all(s.template != section.template for s in _SECTIONS):
        _SECTIONS.append(section)
        _SECTIONS.sort(key=lambda s: s.order)


def sections_for(user: Any) -> list[ChartSection]:
    return [s for s in _SECTIONS if user.has_perm(s.permission)]
