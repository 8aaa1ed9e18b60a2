from allauth.account.forms import LoginForm, RequestLoginCodeForm, SignupForm
from django.core.validators import MaxLengthValidator
from django.forms import ModelMultipleChoiceField, ValidationError
from django.utils.translation import gettext_lazy as _

# Django's forms end each label with gettext(":"), which Django's own Chinese catalogue leaves as an ASCII
# colon. Naming the string here extracts it into our catalogue, which LOCALE_PATHS puts first: "：" on
# Chinese pages, ":" in English.
LABEL_SUFFIX = _(":")

#: Longest sign-in name we have: an e-mail address (254); usernames are 150, phones 20 before normalising.
LOGIN_MAX_LENGTH = 254
#: Long enough for any pass phrase; stops megabyte "passwords" from being hashed.
PASSWORD_MAX_LENGTH = 4096


class StaffLoginForm(LoginForm):
    """Staff sign in with a password; drivers sign up without one and use the SMS code button.

    allauth drops the password field when sign-up asks for none; staff accounts have passwords.
    allauth's combined login field has no length limit: a 100,000-character name reached the database
    (SQLite refuses such a LIKE pattern: a 503 page); the limits below answer it next to the field.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, limit in (("login", LOGIN_MAX_LENGTH), ("password", PASSWORD_MAX_LENGTH)):
            field = self.fields.get(name)
            if field is not None:
                field.max_length = limit
                field.validators.append(MaxLengthValidator(limit))
                field.widget.attrs["maxlength"] = str(limit)

    def _setup_password_field(self) -> None:
        pass


class PhoneSignupForm(SignupForm):
    """Drivers sign up with a mobile number and nothing else; the number is required here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = True


# The range of a 64-bit primary key; ids outside it never reach the database.
_PK_RANGE = range(-(2**63), 2**63)


class BoundedModelMultipleChoiceField(ModelMultipleChoiceField):
    """A multiple choice of rows that refuses ids outside the 64-bit range with the usual field error.

    Django checks single ids (`pk=…`) against the column's range, but not lists (`pk__in=…`):
    a posted id of 2**63 reaches SQLite or PostgreSQL and fails there, answering 500.
    """

    def _check_values(self, value):
        for pk in value or ():
            try:
                out_of_range = int(pk) not in _PK_RANGE
            except (TypeError, ValueError):
                continue  # the parent reports values that are not ids
            if out_of_range:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class PhoneCodeRequestForm(RequestLoginCodeForm):
    """Ask for a sign-in code by phone (or e-mail).

    With both phone and e-mail as login methods allauth makes both fields optional, and an empty form
    was valid: its view then read a user that was never looked up (AttributeError, a 500). One of the two
    is required here.
    """

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors and not cleaned_data.get("phone") and not cleaned_data.get("email"):
            raise ValidationError(_("Enter your mobile number."), code="required")
        return cleaned_data
