from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drivers_home.models import PROVINCES, DriverProfile, Service, VehicleType
from drivers_home.validators import normalize_plate, validate_plate
from parkportal.adapters import MobileField
from parkportal.forms import BoundedModelMultipleChoiceField
from parties.models import Organisation


class PlateField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Plate number"))
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("validators", [validate_plate])
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocapitalize": "characters", "placeholder": "川A12345", "size": 10})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return normalize_plate(super().to_python(value))


class DriverProfileForm(forms.ModelForm):
    """Four questions and a tick: under 30 seconds on a phone."""

    plate = PlateField()
    province = forms.ChoiceField(label=_("Home province"), choices=[("", "—")] + [(p, p) for p in PROVINCES])
    vehicle_type = forms.ChoiceField(
        label=_("Vehicle type"), choices=VehicleType.choices, widget=forms.RadioSelect, initial=VehicleType.HEAVY_TRUCK
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that this information is kept as described."),
        required=True,
        error_messages={"required": _("Tick to agree to the privacy notice; without it we keep nothing.")},
    )

    class Meta:
        model = DriverProfile
        fields = ["name", "plate", "province", "vehicle_type"]
        widgets = {"name": forms.TextInput(attrs={"autocomplete": "name"})}
        labels = {"name": _("Name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True


class ServicesForm(forms.Form):
    services = BoundedModelMultipleChoiceField(
        label=_("Services you used"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = site.services.all()


class FloatingRequestForm(forms.Form):
    home_organisation = forms.CharField(
        label=_("Your home party organisation"), max_length=120, help_text=_("As written on your 活动证.")
    )
    certificate = forms.CharField(label=_("活动证 number (floating member certificate)"), max_length=40)
    home_contact_phone = forms.CharField(
        label=_("Phone of your home organisation's contact"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )

    def clean_home_contact_phone(self):
        value = "".join(ch for ch in self.cleaned_data["home_contact_phone"] if ch.isdigit() or ch in "+-")
        digits = value.replace("+", "").replace("-", "")
        if not 7 <= len(digits) <= 15:
            raise ValidationError(_("Enter a phone number, e.g. 028-12345678 or 13812345678."))
        return value

    def clean_home_organisation(self):
        value = self.cleaned_data["home_organisation"].strip()
        if any(ord(ch) < 32 for ch in value):
            raise ValidationError(_("Remove the control characters."))
        return value

    def clean_certificate(self):
        value = self.cleaned_data["certificate"].strip()
        if any(ord(ch) < 32 for ch in value):
            raise ValidationError(_("Remove the control characters."))
        return value


class AcceptFloatingForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Accept into organisation"), queryset=Organisation.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.visible_to(user).order_by("path")


class DeskCheckInForm(forms.Form):
    phone = MobileField(required=False)
    plate = PlateField(required=False)
    name = forms.CharField(label=_("Name (if he gives it)"), max_length=40, required=False)
    spoken_consent = forms.BooleanField(
        label=_("New driver: I read him the privacy notice and he agreed out loud."), required=False
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("phone") and not data.get("plate"):
            raise ValidationError(_("Enter the driver's mobile number or his plate number."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    MAX_DAYS = 3 * 366

    def _clean_year(self, name):
        value = self.cleaned_data.get(name)
        if value and not 2000 <= value.year <= 2100:
            raise ValidationError(_("Enter a date between 2000 and 2100."))
        return value

    def clean_start(self):
        return self._clean_year("start")

    def clean_end(self):
        return self._clean_year("end")

    def period(self):
        """(start, end) inclusive; the last 30 days when not given or invalid."""
        today = timezone.localdate()
        end = today
        start = today - timedelta(days=29)
        if self.is_valid():
            try:
                end = self.cleaned_data.get("end") or end
                start = self.cleaned_data.get("start") or (end - timedelta(days=29))
            except OverflowError:
                start, end = today - timedelta(days=29), today
        if start > end:
            start, end = end, start
        if (end - start).days > self.MAX_DAYS:
            start = end - timedelta(days=self.MAX_DAYS)
        return start, end
