"""Sign-in and password forms, with fields that browsers will not offer to save."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.contrib.auth.forms import SetPasswordForm as DjangoSetPasswordForm

from accounts.models import User, normalise_email
from accounts.passwords import LONGEST

LONGEST_EMAIL = 254


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        max_length=LONGEST_EMAIL,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=LONGEST,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email address and password do not match an account here. "
        "Check you are on your school's own Haven address.",
    }

    def clean_username(self) -> str:
        return normalise_email(self.cleaned_data["username"])


def _new_password_fields(form: forms.Form) -> None:
    """New passwords: the browser may suggest one but is asked not to keep the old."""
    for name in ("new_password1", "new_password2"):
        form.fields[name].max_length = LONGEST
        form.fields[name].widget.attrs.update(autocomplete="new-password", maxlength=LONGEST)


class ChoosePasswordForm(DjangoSetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _new_password_fields(self)


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _new_password_fields(self)
        self.fields["old_password"].widget.attrs["autocomplete"] = "off"

    def clean_new_password1(self) -> str:
        password = self.cleaned_data.get("new_password1", "")
        if password and self.user.check_password(password):
            raise forms.ValidationError("Choose a password you have not been using.")
        return password


class ResetPasswordForm(PasswordResetForm):
    email = forms.EmailField(
        label="Your school email address",
        max_length=LONGEST_EMAIL,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )

    def get_users(self, email: str):
        """Active accounts with this address, including those invited who never chose a
        password (Django would skip them): a lost invitation is reset the same way."""
        return User._default_manager.filter(email=normalise_email(email), is_active=True)
