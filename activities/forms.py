from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Event, EventKind
from activities.services import capacity_lowered_below_taken, capacity_refusal
from drivers_home.models import Site
from parkportal.uploads import clean_image as _shared_clean_image
from parkportal.validators import validate_mobile
from parties.models import Organisation


def clean_image(upload):
    """The shared validator, made total: Pillow's KeyError for an unknown file ("MPO" plugin) is a field error."""
    try:
        return _shared_clean_image(upload)
    except (KeyError, LookupError):
        raise ValidationError(
            _("The file %(name)s is not a photo we can read (JPEG, PNG, WebP or GIF).") % {"name": upload.name},
            code="not_image",
        ) from None


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _dt_field(label, required=True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, widget=DateTimeLocalInput(), input_formats=DATETIME_FORMATS
    )


class TokenMixin(forms.Form):
    """A one-time token rendered into the form: a double submission is recognised and creates one row."""

    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def initial_token(self) -> None:
        if not self.is_bound:
            self.fields["submit_token"].initial = uuid.uuid4()


class EventForm(forms.ModelForm):
    starts_at = _dt_field(_("starts"))
    ends_at = _dt_field(_("ends"))
    registration_opens = _dt_field(_("registration opens"), required=False)
    registration_closes = _dt_field(_("registration closes"), required=False)
    capacity = forms.IntegerField(
        label=_("places"),
        required=False,
        min_value=1,
        max_value=100_000,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty for no limit."),
    )
    cover_upload = forms.FileField(label=_("cover photo"), required=False)
    submit_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "organiser",
            "partners",
            "site",
            "venue_text",
            "starts_at",
            "ends_at",
            "audience",
            "capacity",
            "registration_opens",
            "registration_closes",
            "allow_family",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].queryset = EventKind.objects.filter(park_id=user.park_id)
        self.fields["organiser"].queryset = Organisation.objects.visible_to(user).order_by("path")
        self.fields["site"].queryset = Site.objects.filter(park_id=user.park_id)
        self.fields["description"].max_length = 5000
        self._cover = None
        self._saved_capacity = self.instance.capacity
        if not self.is_bound and self.instance.pk is None:
            self.fields["submit_token"].initial = uuid.uuid4()

    def clean_cover_upload(self):
        upload = self.cleaned_data.get("cover_upload")
        if upload:
            self._cover = clean_image(upload)
        return upload

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if self.instance.pk is not None:
            # activities.services.event_update counts again under the event lock before it saves.
            taken = capacity_lowered_below_taken(
                event=self.instance, old_capacity=self._saved_capacity, new_capacity=capacity
            )
            if taken is not None:
                raise ValidationError(capacity_refusal(taken), code="below_confirmed")
        return capacity

    def clean_description(self):
        text = self.cleaned_data.get("description", "")
        if len(text) > 5000:
            raise ValidationError(_("At most 5,000 characters."))
        return text

    def clean(self):
        data = super().clean()
        now = timezone.now()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, closes = data.get("registration_opens"), data.get("registration_closes")
        start_changed = self.instance.pk is None or "starts_at" in self.changed_data
        if starts and start_changed and starts < now:
            self.add_error("starts_at", _("The start is in the past."))
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if opens and closes and closes <= opens:
            self.add_error("registration_closes", _("Registration must close after it opens."))
        if closes and ends and closes > ends:
            self.add_error("registration_closes", _("Registration must close before the event ends."))
        if opens and starts and opens >= starts:
            self.add_error("registration_opens", _("Registration must open before the event starts."))
        if not data.get("site") and not (data.get("venue_text") or "").strip():
            self.add_error("venue_text", _("Choose a site or type where the event takes place."))
        return data

    def save(self, commit=True):
        event = super().save(commit=False)
        if self._cover is not None:
            event.cover.save(self._cover.image.name, self._cover.image, save=False)
            event.cover_thumb.save(self._cover.thumbnail.name, self._cover.thumbnail, save=False)
        if commit:
            event.save()
        return event


class FamilyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    relation = forms.CharField(label=_("relation"), max_length=20, required=False)
    age = forms.IntegerField(label=_("age"), min_value=0, max_value=120, required=False)

    def __init__(self, *args, asks_age: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.asks_age = asks_age

    def clean(self):
        data = super().clean()
        name = (data.get("name") or "").strip()
        if not name:
            data["name"] = ""
            return data
        data["name"] = name
        if not (data.get("relation") or "").strip():
            self.add_error("relation", _("Say how this person is related to you."))
        if self.asks_age and data.get("age") is None:
            self.add_error("age", _("Give the child's age."))
        return data


class BaseFamilyFormSet(forms.BaseFormSet):
    def __init__(self, *args, asks_age: bool = False, **kwargs):
        self.asks_age = asks_age
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"asks_age": self.asks_age}

    def entries(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data.get("name")]


def family_formset(*, data=None, asks_age: bool):
    n = settings.PORTAL_RULES["EVENT_MAX_FAMILY"]
    cls = forms.formset_factory(FamilyForm, formset=BaseFamilyFormSet, extra=n, max_num=n, validate_max=True)
    return cls(data=data, prefix="family", asks_age=asks_age)


class WalkInForm(TokenMixin):
    name = forms.CharField(label=_("Name"), max_length=60)
    phone = forms.CharField(label=_("mobile number"), max_length=11, required=False, validators=[validate_mobile])

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("This field is required."))
        return name


class BroadcastForm(TokenMixin):
    body = forms.CharField(label=_("message"), max_length=300, widget=forms.Textarea(attrs={"rows": 4}))
    include_waiting = forms.BooleanField(label=_("also the waiting list"), required=False)

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("This field is required."))
        return body


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class OutcomeForm(forms.Form):
    people_served = forms.IntegerField(label=_("people served"), min_value=0, max_value=1_000_000)
    report = forms.CharField(label=_("short report"), max_length=2000, required=False, widget=forms.Textarea)
    photos = MultipleFileField(label=_("photos"), required=False)

    def __init__(self, *args, kind: EventKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.figure_keys = []
        for key, label in kind.figure_list():
            name = f"fig_{key}"
            self.fields[name] = forms.IntegerField(label=label, min_value=0, max_value=1_000_000, required=False)
            self.figure_keys.append((name, key))
        self.cleaned_photos = []

    def clean_photos(self):
        uploads = self.cleaned_data.get("photos") or []
        limit = settings.PORTAL_RULES.get("VISIT_MAX_PHOTOS", 9)
        if len(uploads) > limit:
            raise ValidationError(_("At most %(n)d photos.") % {"n": limit})
        self.cleaned_photos = [clean_image(u) for u in uploads]
        return uploads

    def figures(self) -> dict[str, int]:
        return {
            key: self.cleaned_data[name] for name, key in self.figure_keys if self.cleaned_data.get(name) is not None
        }


class RegistrationCancelForm(forms.Form):
    """An organiser's confirmation: carries the registration time the page showed, so that a late second tap
    cannot cancel a registration the person has made again since (see registration_cancel_by_organiser)."""

    registered = forms.DateTimeField(widget=forms.HiddenInput)


class DoorSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or last 4 digits of the phone"), max_length=30, required=False)
