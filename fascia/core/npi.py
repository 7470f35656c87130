"""National Provider Identifier check digit.

Source: CMS, "Requirements for NPI check digit" — Luhn mod 10 over the first nine digits
prefixed with the card-issuer code 80840, i.e. the Luhn sum of the nine digits plus 24
(../shared/domain/REFERENCE.md §4).
"""


def _luhn_check_digit(first_nine: str) -> int:
    total = 24  # the contribution of the 80840 prefix
    for position, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if position % 2 == 0:  # every other digit from the right, starting with the rightmost
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    """True when value is ten digits whose last digit is the NPI check digit of the first nine."""
    if not isinstance(value, str) or len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    return _luhn_check_digit(value[:9]) == int(value[9])


def with_check_digit(first_nine: str) -> str:
    """Complete a nine-digit NPI stem with its check digit (for synthetic demo and test data)."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("An NPI stem is nine digits.")
    return first_nine + str(_luhn_check_digit(first_nine))
