from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field, Model, QuerySet
from django.forms.models import ModelChoiceIterator

from fascia.core.forms import DateInput, StyledForm, StyledModelForm, limit_choices
from fascia.core.models import Location, Organization, Room
from fascia.core.validators import SCHEDULE_YEARS_AHEAD, PlausibleDate
from fascia.practitioners.models import Practitioner
from fascia.scheduling.models import MOVED_MINUTES, AppointmentType, BookingPolicy, WaitlistEntry


def practitioners_offered(organization_id: int) -> QuerySet[Practitioner]:
    return Practitioner.objects.filter(user__organization_id=organization_id, user__is_active=True).select_related(
        "user"
    )


def locations_offered(organization_id: int) -> QuerySet[Location]:
    return Location.objects.filter(organization_id=organization_id, is_active=True)


def rooms_offered(organization_id: int) -> QuerySet[Room]:
    # A room's label names its location: read with it, not once per room.
    return Room.objects.filter(location__organization_id=organization_id, is_active=True).select_related("location")


class ReadAtOnce(ModelChoiceIterator):
    """The options read with one plain SELECT.

    Django's own iterator() opens a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three
    round trips, and a cursor WITH HOLD kept outside a transaction), worth it for thousands of
    rows, not for the handful of practitioners, locations, types and rooms a booking offers.
    """

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class BookingChoiceField(forms.ModelChoiceField):
    """Offered from its queryset, read at once; when posted, found in the same queryset."""

    iterator = ReadAtOnce

    def to_python(self, value: Any) -> Model | None:
        # Text that is no id is not a valid choice either (not the UUID field's own message).
        try:
            return super().to_python(value)
        except ValidationError as e:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from e


def offer(form: forms.Form, organization_id: int) -> None:
    """The practitioners, locations and rooms a booking form offers, and finds when posted."""
    limit_choices(form, "practitioner", practitioners_offered(organization_id))
    limit_choices(form, "location", locations_offered(organization_id))
    limit_choices(form, "room", rooms_offered(organization_id))


class BookingForm(StyledForm):
    patient = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": "Choose the patient."})
    practitioner = BookingChoiceField(queryset=Practitioner.objects.none(), to_field_name="public_id")
    location = BookingChoiceField(queryset=Location.objects.none(), to_field_name="public_id")
    appointment_type = BookingChoiceField(label="Type", queryset=AppointmentType.objects.filter(is_active=True))
    day = forms.DateField(label="Date", widget=DateInput(), validators=[PlausibleDate(SCHEDULE_YEARS_AHEAD)])
    start = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    room = BookingChoiceField(queryset=Room.objects.none(), required=False, to_field_name="public_id")
    notes = forms.CharField(required=False, max_length=300)
    repeat_weekdays = forms.MultipleChoiceField(
        label="Repeat every week on",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(str(n), name) for n, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])],
        help_text="For a series, e.g. Tuesday and Thursday as the plan of care says",
    )
    repeat_weeks = forms.IntegerField(label="For how many weeks", required=False, min_value=1, max_value=26)
    override = forms.BooleanField(label="Override working hours or locations (admins)", required=False)
    # Asked for once the booking was found to run past the referral, the authorization or the plan of care.
    confirm = forms.BooleanField(
        label="Book anyway",
        required=False,
        help_text="Past the limits shown above: the audit trail keeps them with your name",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, organization.pk)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if bool(data.get("repeat_weekdays")) != bool(data.get("repeat_weeks")):
            raise forms.ValidationError("For a series, choose the weekdays and the number of weeks.")
        return data


class CancelForm(StyledForm):
    reason = forms.CharField(max_length=200)


class RescheduleForm(StyledForm):
    practitioner = BookingChoiceField(queryset=Practitioner.objects.none(), to_field_name="public_id")
    location = BookingChoiceField(queryset=Location.objects.none(), to_field_name="public_id")
    day = forms.DateField(label="New date", widget=DateInput(), validators=[PlausibleDate(SCHEDULE_YEARS_AHEAD)])
    start = forms.TimeField(label="New time", widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    room = BookingChoiceField(queryset=Room.objects.none(), required=False, to_field_name="public_id")
    minutes = forms.IntegerField(
        label="Length (minutes)",
        required=False,
        min_value=MOVED_MINUTES.start,
        max_value=MOVED_MINUTES[-1],
        step_size=MOVED_MINUTES.step,
    )
    override = forms.BooleanField(label="Override working hours or locations (admins)", required=False)
    # Asked for once the move was found to run past the referral, the authorization or the plan of care.
    confirm = forms.BooleanField(
        label="Move anyway",
        required=False,
        help_text="Past the limits shown above: the audit trail keeps them with your name",
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer(self, organization.pk)


class FreeSlotForm(StyledForm):
    appointment_type = forms.ModelChoiceField(label="Type", queryset=AppointmentType.objects.filter(is_active=True))
    practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.none(), to_field_name="public_id", required=False, empty_label="Any practitioner"
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(), to_field_name="public_id", required=False, empty_label="Any location"
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "practitioner", practitioners_offered(organization.pk))
        limit_choices(self, "location", locations_offered(organization.pk))


class WaitlistForm(StyledModelForm):
    patient = forms.UUIDField(widget=forms.HiddenInput, error_messages={"required": "Choose the patient."})

    class Meta:
        model = WaitlistEntry
        fields = ["practitioner", "location", "appointment_type", "earliest", "latest", "notes"]
        widgets = {"earliest": DateInput(), "latest": DateInput()}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "practitioner", practitioners_offered(organization.pk))
        limit_choices(self, "location", locations_offered(organization.pk))
        limit_choices(self, "appointment_type", AppointmentType.objects.filter(is_active=True))


class BookingPolicyForm(StyledModelForm):
    class Meta:
        model = BookingPolicy
        fields = ["online", "lead_hours", "horizon_days", "cancellation_hours", "invite_on_booking"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        lead, horizon = data.get("lead_hours"), data.get("horizon_days")
        if lead is not None and horizon is not None and lead >= horizon * 24:
            raise ValidationError("The lead time must be shorter than how far ahead patients may book.")
        return data


class SharedRows(ModelChoiceIterator):
    """The options from the rows the field was offered, which the view read once for all its forms."""

    field: "SharedRowsField"

    def __iter__(self) -> Any:
        for obj in self.field.rows:
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.rows)

    def __bool__(self) -> bool:
        return bool(self.field.rows)


class SharedRowsField(forms.ModelMultipleChoiceField):
    """Ticks among rows read once for a page of many forms, and found among them when posted.

    The online booking page has a form per appointment type, each offering the clinic's practitioners and
    locations: a queryset per form is read again by every form, so the page's queries grew with its types.
    `offer()` gives each form the same list; a posted value that is no id of the field still gets the
    id field's own message ("… is not a valid UUID"), and one of another clinic the usual "not one of the
    available choices". Cleaned, it is a list of the rows, in the order posted.
    """

    iterator = SharedRows

    def __init__(self, *, model: type[Model], to_field_name: str, **kwargs: Any) -> None:
        super().__init__(queryset=model._default_manager.none(), to_field_name=to_field_name, **kwargs)
        self.rows: list[Model] = []
        key = model._meta.get_field(to_field_name)
        assert isinstance(key, Field)
        self.key: Field = key

    def offer(self, rows: list[Model]) -> None:
        self.rows = rows

    def clean(self, value: Any) -> Any:
        if not value:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        offered = {str(getattr(row, self.key.attname)): row for row in self.rows}
        chosen = []
        for posted in dict.fromkeys(value):
            row = offered.get(str(self.key.to_python(posted)))
            if row is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": posted}
                )
            chosen.append(row)
        self.run_validators(value)
        return chosen


class OnlineTypeForm(StyledForm):
    """Whether one appointment type is open online, to whom, with whom and where (a prefix per type).

    The page has one per type: the clinic's practitioners and locations are read once by the view and shared."""

    for_new = forms.BooleanField(label="New patients may book it online", required=False)
    for_returning = forms.BooleanField(label="Returning patients may book it online", required=False)
    practitioners = SharedRowsField(
        model=Practitioner,
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every practitioner",
    )
    locations = SharedRowsField(
        model=Location,
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every location",
    )

    def __init__(self, *args: Any, practitioners: list[Practitioner], locations: list[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, rows in (("practitioners", practitioners), ("locations", locations)):
            field = self.fields[name]
            assert isinstance(field, SharedRowsField)
            field.offer(list(rows))
