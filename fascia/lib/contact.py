"""Normalize the contact details a US clinic records: phone numbers and postal codes."""

import re

_NANP = re.compile(r"^[2-9]\d{2}[2-9]\d{6}$")  # North American Numbering Plan: NXX-NXX-XXXX
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


def normalize_phone(value: str) -> str:
    """Return a US/Canadian phone number as 555-555-0123, or raise ValueError saying what is wrong.

    Accepts the usual ways of typing one: (555) 555-0123, 555.555.0123, +1 555 555 0123.
    """
    digits = re.sub(r"[\s().+\-]", "", value)
    if not digits.isdigit():
        raise ValueError("Use digits only, for example 555-555-0123.")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise ValueError(f"A phone number has 10 digits; this has {len(digits)}.")
    if not _NANP.match(digits):
        raise ValueError("The area code and exchange cannot start with 0 or 1.")
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def normalize_postal_code(value: str) -> str:
    """Return a ZIP code as 12345 or 12345-6789, or raise ValueError."""
    value = value.strip()
    if len(value) == 9 and value.isdigit():
        value = f"{value[:5]}-{value[5:]}"
    if not _ZIP.match(value):
        raise ValueError("Use a 5-digit ZIP code, or ZIP+4 such as 12345-6789.")
    return value


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())
