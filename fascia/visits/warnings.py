"""What apps above visits find in a note that will trouble what comes after it, asked before and at signing
without visits importing them: billing's documentation check (the scrubber's rules that read the note), so
the practitioner fixes a claim's problem while the visit is fresh.

Like `signals.note_signed`, an extension point: billing registers its check in `BillingConfig.ready()` (the
`layers` import contract keeps visits from importing billing). Warnings never refuse a signature: a source
returns sentences, and the pages and the API list them.
"""

from collections.abc import Callable

from fascia.visits.models import VisitNote, VisitTechnique

# A note (with its patient, practitioner, plan and appointment read), its techniques (with their catalog
# entries) as they stand, and the warnings: a fixed number of queries however many rows the note has.
Source = Callable[[VisitNote, list[VisitTechnique]], list[str]]

_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Add a source of warnings (registering a name again replaces its source)."""
    _sources[name] = source


def warnings_for(note: VisitNote, techniques: list[VisitTechnique]) -> list[str]:
    """Every registered source's warnings about the note, in the order they were registered."""
    return [warning for source in _sources.values() for warning in source(note, techniques)]
