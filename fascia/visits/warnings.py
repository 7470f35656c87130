"""What apps above visits find in a note that will trouble what comes after it, asked before and at signing
without visits importing them: billing's documentation check (the scrubber's rules that read the note), so
the practitioner fixes a claim's problem while the visit is fresh.

Like `signals.note_signed`, an extension point: billing registers its check in `BillingConfig.ready()` (the
`layers` import contract keeps visits from importing billing). Warnings never refuse a signature: a source
returns sentences, and the pages and the API list them.
"""

from collections.abc import Callable, Mapping
from typing import Any

from fascia.visits.models import VisitNote, VisitTechnique

# A note (with its patient, practitioner, plan and appointment read), its techniques (with their catalog
# entries) as they stand, and the warnings: a fixed number of queries however many rows the note has.
Source = Callable[[VisitNote, list[VisitTechnique]], list[str]]
# Annotations of a note by name (expressions with OuterRef to the note's columns) that the signing lock asks in
# its own query, so a source finds their answers as the note's attributes instead of a query of its own. The
# source answers without them elsewhere (the note's page and form), where the attributes are missing.
Questions = Callable[[], Mapping[str, Any]]

_sources: dict[str, Source] = {}
_questions: dict[str, Questions] = {}


def register(name: str, source: Source, asking: Questions | None = None) -> None:
    """Add a source of warnings and the questions it asks with the signing lock (registering a name again
    replaces both)."""
    _sources[name] = source
    _questions.pop(name, None)
    if asking is not None:
        _questions[name] = asking


def questions() -> dict[str, Any]:
    """Every source's questions, for the signing lock to ask (as lifecycle.lock_draft's `asking`)."""
    return {label: question for ask in _questions.values() for label, question in ask().items()}


def take_answers(note: VisitNote, locked: VisitNote) -> None:
    """Set on `note` the answers the signing lock read on `locked`, the same note as stored."""
    for label in questions():
        setattr(note, label, getattr(locked, label))


def warnings_for(note: VisitNote, techniques: list[VisitTechnique]) -> list[str]:
    """Every registered source's warnings about the note, in the order they were registered."""
    return [warning for source in _sources.values() for warning in source(note, techniques)]
