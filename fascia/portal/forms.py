from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fascia.core.forms import FasciaBoundField, StyledForm
from fascia.core.models import User
from fascia.patients.models import PatientAccount


class PortalLoginForm(auth_forms.AuthenticationForm):
    """A patient signs in with the email of their portal account (staff accounts never sign in here)."""

    bound_field_class = FasciaBoundField
    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("That email and password do not match a portal account. Check both and try again."),
        "inactive": _("This account is closed. Please call the clinic."),
        "unavailable": _("Your portal account is not available at the moment. Please call the clinic."),
    }

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        if email:  # the account's own username, never typed by the patient; an unknown email matches none
            found = User.objects.filter(is_patient_account=True, email__iexact=email).values_list("username", flat=True)
            self.cleaned_data["username"] = found.first() or f"no portal account: {email}"
        return super().clean()

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not user.is_patient_account:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        if not PatientAccount.objects.filter(user=user, patient__is_active=True).exists():
            raise ValidationError(self.error_messages["unavailable"], code="unavailable")


class OpenAccountForm(StyledForm):
    email = forms.EmailField(label=_("Email"), help_text=_("You sign in with it."), max_length=254)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not only digits, not a common password."),
        strip=False,
    )
    password_again = forms.CharField(
        label=_("The password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("password")
            and cleaned.get("password_again")
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class PortalPasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset by emailed link, for portal accounts only (staff reset theirs with the clinic's admin)."""

    bound_field_class = FasciaBoundField

    def get_users(self, email: str) -> QuerySet[User]:
        return User.objects.filter(is_patient_account=True, is_active=True, email__iexact=email)


class PortalSetPasswordForm(auth_forms.SetPasswordForm):
    bound_field_class = FasciaBoundField


class PortalPasswordChangeForm(auth_forms.PasswordChangeForm):
    bound_field_class = FasciaBoundField


class PortalTokenForm(StyledForm):
    token = forms.CharField(
        label=_("The 6-digit code your authenticator app shows"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class PasswordCheckForm(StyledForm):
    """The patient's own password, asked again before turning two-factor sign-in off."""

    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        strip=False,
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("That is not your password."), code="password_incorrect")
        return password
