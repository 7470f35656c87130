import pytest

from fascia.lib.search import search_terms


@pytest.mark.parametrize(
    "query, terms",
    [
        ("Rosales, Ravi", ["Rosales", "Ravi"]),
        ("Rosales,Ravi", ["Rosales", "Ravi"]),
        ("  Ravi   Rosales ", ["Ravi", "Rosales"]),
        ("O'Neil-Baker; Ann", ["O'Neil-Baker", "Ann"]),
        ("(425) 555-0199", ["(425)", "555-0199"]),
        ("05/02/1980", ["05/02/1980"]),
        (" , ", []),
        ("", []),
    ],
)
def test_it_splits_at_spaces_and_commas(query: str, terms: list[str]) -> None:
    assert search_terms(query) == terms
