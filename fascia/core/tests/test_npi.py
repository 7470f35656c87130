import pytest

from fascia.core.npi import is_valid_npi, with_check_digit

# Valid examples from CMS's NPI check-digit guidance (../shared/domain/REFERENCE.md §4).
VALID = ["1234567893", "1134296023", "1295723567", "1558598797"]


@pytest.mark.parametrize("npi", VALID)
def test_it_accepts_valid_npis(npi: str) -> None:
    assert is_valid_npi(npi)


@pytest.mark.parametrize("npi", VALID)
def test_it_refuses_every_other_check_digit(npi: str) -> None:
    for digit in "0123456789":
        if digit != npi[-1]:
            assert not is_valid_npi(npi[:-1] + digit)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "123456789",  # nine digits
        "12345678930",  # eleven digits
        "123456789X",  # letter
        "12345 6789",
        "１２３４５６７８９３",  # full-width digits are not ASCII
        "-234567893",
    ],
)
def test_it_refuses_malformed_values(value: str) -> None:
    assert not is_valid_npi(value)


def test_it_refuses_non_strings() -> None:
    assert not is_valid_npi(1234567893)  # type: ignore[arg-type]


@pytest.mark.parametrize("npi", VALID)
def test_with_check_digit_completes_a_stem(npi: str) -> None:
    assert with_check_digit(npi[:9]) == npi
