from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .services import user_is_locked


class LoginForm(AuthenticationForm):
    """Login that says plainly when an account is locked after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "This account is locked after too many failed logins. Try again later or ask the county bureau."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and user_is_locked(username=username):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        return super().clean()
