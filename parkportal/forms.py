from allauth.account.forms import LoginForm, SignupForm


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
