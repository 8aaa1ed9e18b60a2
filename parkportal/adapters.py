from __future__ import annotations

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parkportal.models import User
from parkportal.roles import Role
from parkportal.sms import send_sms
from parkportal.validators import normalize_mobile, validate_mobile


class MobileField(forms.CharField):
    """A mainland mobile number; accepts spaces, dashes and a +86 prefix, stores 11 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "placeholder": "13812345678"}
            ),
        )
        kwargs.setdefault("validators", [validate_mobile])
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_mobile(super().to_python(value))


class AccountAdapter(DefaultAccountAdapter):
    def phone_form_field(self, **kwargs):
        kwargs.pop("label", None)
        return MobileField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_mobile(phone)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        send_sms(phone, gettext("Your sign-in code is %(code)s. It is valid for 5 minutes.") % {"code": code})

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user, phone: str) -> None:
        user.phone = phone
        user.phone_verified = True
        user.save(update_fields=["phone", "phone_verified"])

    def get_user_by_phone(self, phone: str):
        return User.objects.filter(phone=normalize_mobile(phone)).order_by("pk").first()

    def generate_unique_username(self, txts, regex=None) -> str:
        # allauth derives "user", "user2", … by looking at existing rows: two drivers signing up at the
        # same moment got the same name and one of them a 500 (unique violation; seen by `make faults`).
        # A random name cannot collide in practice and carries no personal data (not the phone).
        return f"driver-{secrets.token_hex(6)}"

    def save_user(self, request, user, form, commit=True):
        # Everyone who signs up by themselves is a driver (or outdoor worker); staff are created by the park.
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.DRIVER
        if commit:
            user.save()
        return user
