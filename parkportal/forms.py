from allauth.account.forms import LoginForm, SignupForm
from django.core.exceptions import ValidationError
from django.forms import ModelMultipleChoiceField


class StaffLoginForm(LoginForm):
    """Staff sign in with a password; drivers sign up without one and use the SMS code button.

    allauth drops the password field when sign-up asks for none; staff accounts have passwords.
    """

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
