import pytest

from fascia.lib.contact import normalize_phone, normalize_postal_code


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("206-555-0123", "206-555-0123"),
        ("(206) 555-0123", "206-555-0123"),
        ("206.555.0123", "206-555-0123"),
        ("+1 206 555 0123", "206-555-0123"),
        ("12065550123", "206-555-0123"),
    ],
)
def test_it_normalizes_phone_numbers(typed: str, stored: str) -> None:
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed, message",
    [
        ("555-0123", "10 digits"),
        ("206-555-01234", "10 digits"),
        ("206-555-O123", "digits only"),
        ("106-555-0123", "cannot start with 0 or 1"),
        ("206-155-0123", "cannot start with 0 or 1"),
    ],
)
def test_it_explains_malformed_phone_numbers(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_phone(typed)


@pytest.mark.parametrize(
    "typed, stored", [("98101", "98101"), ("98101-1234", "98101-1234"), ("981011234", "98101-1234")]
)
def test_it_normalizes_zip_codes(typed: str, stored: str) -> None:
    assert normalize_postal_code(typed) == stored


@pytest.mark.parametrize("typed", ["9810", "981011", "98101-12", "ABCDE", "98101 1234"])
def test_it_refuses_malformed_zip_codes(typed: str) -> None:
    with pytest.raises(ValueError, match="ZIP"):
        normalize_postal_code(typed)
