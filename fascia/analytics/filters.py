"""The dashboards' filter: a date range (both days included, in the clinic's calendar), a location and a
practitioner, read from the page's GET form. Shared by the practice and financial dashboards and the monthly
report."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from fascia.core.forms import StyledForm
from fascia.core.models import Location, Organization
from fascia.practitioners.models import Practitioner

LONGEST_RANGE_DAYS = 3 * 366  # a range of weeks the page can still list: three years
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class Filters:
    organization: Organization
    start: date
    end: date  # included
    location: Location | None = None
    practitioner: Practitioner | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        """The range's first instant, in the clinic's time zone."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The instant after the range's last day (excluded)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def as_detail(self) -> dict[str, str]:
        """What an audit entry or an export's heading says of the filter."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "location": self.location.name if self.location else "all",
            "practitioner": str(self.practitioner) if self.practitioner else "all",
        }


def ratio(part: float | int | Decimal | None, whole: float | int | Decimal | None) -> float | None:
    """part / whole, or None when there is nothing to divide by (pages show "—", never a division by zero)."""
    if not whole or part is None:
        return None
    return float(part) / float(whole)


def by_week(rows: QuerySet, week: Any, count: Any) -> dict[date, Any]:
    """`count` (or a sum) of `rows` grouped by `week` (a Monday), as a dict by Monday: the database hands a week
    back as a date, or as a midnight datetime (SQLite)."""
    grouped = rows.annotate(week=week).order_by().values("week").annotate(n=count).values_list("week", "n")
    return {(w.date() if isinstance(w, datetime) else w): n for w, n in grouped}


class DashboardFilterForm(StyledForm):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), required=False, to_field_name="public_id", empty_label="All locations"
    )
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="All practitioners",
    )

    def __init__(self, data: dict | None, *, organization: Organization) -> None:
        today = timezone.localdate()
        initial = {"start": today - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), "end": today}
        # A field left empty takes its default: an empty query string is the last twelve weeks, not a form of errors.
        params = {k: (data or {}).get(k, "") for k in ("start", "end", "location", "practitioner")}
        params = {k: v or (initial[k].isoformat() if k in initial else "") for k, v in params.items()}
        super().__init__(params)
        self.organization = organization
        location = self.fields["location"]
        practitioner = self.fields["practitioner"]
        assert isinstance(location, forms.ModelChoiceField) and isinstance(practitioner, forms.ModelChoiceField)
        location.queryset = Location.objects.filter(organization=organization).order_by("name")
        practitioner.queryset = Practitioner.objects.filter(user__organization=organization).select_related("user")

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end date is before the start date: swap them or pick another range.")
            if (end - start).days >= LONGEST_RANGE_DAYS:
                raise forms.ValidationError("Pick a range of at most three years.")
        return data

    def filters(self) -> Filters:
        """The valid form's filter (call after is_valid())."""
        data = self.cleaned_data
        return Filters(self.organization, data["start"], data["end"], data.get("location"), data.get("practitioner"))
