from django import template

from fascia.lib import numbers

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    return numbers.percent(value)


@register.filter
def decimal(value: float | None, places: int = 1) -> str:
    return numbers.decimal(value, places)
