"""Model fields that normalize and validate what people type, for forms and the API alike.

`Model.full_clean()` runs `to_python()` and writes the cleaned value back, so a ModelForm and
an API service that both call it store the same normalized text and raise the same errors.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from fascia.core.npi import is_valid_npi
from fascia.lib.contact import normalize_phone, normalize_postal_code


class PhoneField(models.CharField):
    """Stored as 555-555-0123; typed any common way, such as +1 (555) 555 0123."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]  # CharField.formfield takes only **kwargs
        return super().formfield(**{"max_length": 20, **kwargs})

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if not value:
            return ""
        try:
            return normalize_phone(value)
        except ValueError as e:
            raise ValidationError(str(e), code="invalid_phone") from None


class PostalCodeField(models.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if not value:
            return ""
        try:
            return normalize_postal_code(value)
        except ValueError as e:
            raise ValidationError(str(e), code="invalid_postal_code") from None


def validate_npi(value: str) -> None:
    if not is_valid_npi(value):
        if len(value) != 10 or not value.isdigit():
            raise ValidationError("An NPI is exactly 10 digits.", code="invalid_npi")
        raise ValidationError("This NPI fails its check digit; check it for a typing error.", code="invalid_npi")


class NPIField(models.CharField):
    default_validators = [validate_npi]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        if not args:
            kwargs.setdefault("verbose_name", "NPI")
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return (value or "").strip()


_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI"
)
US_STATES = [(code, code) for code in _STATE_CODES.split()]


class AddressFields(models.Model):
    """A US postal address, embedded in the models that have one."""

    address_line1 = models.CharField("address", max_length=100, blank=True)
    address_line2 = models.CharField("address line 2", max_length=100, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, choices=US_STATES, blank=True)
    postal_code = PostalCodeField("ZIP code", blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        city_line = " ".join(p for p in (f"{self.city}," if self.city else "", self.state, self.postal_code) if p)
        return [line for line in (self.address_line1, self.address_line2, city_line) if line]
