"""Reading what is typed into a search box."""

import re

_SEPARATORS = re.compile(r"[\s,;]+")


def search_terms(query: str) -> list[str]:
    """The terms of a search box, split at spaces, commas and semicolons.

    Names are listed "Last, First", and people type them that way as often as "First Last": the comma
    separates two terms and is not part of either.
    """
    return [term for term in _SEPARATORS.split(query) if term]
