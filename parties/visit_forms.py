"""Forms of the visit log: the visit, its problem rows (a formset that works without JavaScript), its photos."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkportal.uploads import CleanImage, clean_image
from parkportal.widgets import ValuesModelChoiceField
from parties.models import Enterprise, ProblemState, Visit, VisitKind


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Several photos in one input; each goes through clean_image. Cleans to a list of CleanImage.

    A bad photo fails the field with a message naming the file; the form's other fields keep their values.
    """

    def __init__(self, *, capture: bool = False, **kwargs):
        attrs = {"accept": "image/*", "multiple": True}
        if capture:
            attrs["capture"] = "environment"
        kwargs.setdefault("required", False)
        super().__init__(widget=MultiplePhotoInput(attrs=attrs), **kwargs)

    def clean(self, data, initial=None) -> list[CleanImage]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned: list[CleanImage] = []
        errors: list[ValidationError] = []
        for upload in files:
            if not upload or not hasattr(upload, "read"):
                continue
            try:
                cleaned.append(clean_image(upload))
            except ValidationError as exc:
                errors.append(exc)
            except KeyError:
                # parkportal.uploads lists "MPO" among its formats, which Pillow 13 no longer opens by that
                # name (JPEG does): any file no earlier format accepts ends in KeyError('MPO'). Same message
                # as clean_image's own, until the shared validator is fixed (reported to the lead).
                errors.append(
                    ValidationError(
                        _("The file %(name)s is not a photo we can read (JPEG, PNG, WebP or GIF).")
                        % {"name": upload.name},
                        code="not_image",
                    )
                )
        if errors:
            raise ValidationError(errors)
        return cleaned


def max_photos() -> int:
    return settings.PORTAL_RULES["VISIT_MAX_PHOTOS"]


class VisitForm(forms.ModelForm):
    camera = PhotoField(capture=True, label=_("Take photos"))
    photos = PhotoField(label=_("Photos from the gallery"))

    class Meta:
        model = Visit
        fields = ["enterprise", "date", "kind", "people_met", "summary"]
        # A park administrator may choose among all of the park's enterprises (3,549 at the large size):
        # options from values_list, written by FastSelect, not a model instance and a template each.
        field_classes = {"enterprise": ValuesModelChoiceField}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "people_met": forms.TextInput(attrs={"autocomplete": "off"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "kind": forms.RadioSelect,
        }

    def __init__(self, *args, enterprises, existing_photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
        self.fields["enterprise"].empty_label = _("Choose the enterprise")
        self.fields["kind"].choices = VisitKind.choices
        self.fields["people_met"].help_text = _("e.g. 王经理 (general manager), 李书记")
        self.existing_photos = list(existing_photos)
        if self.instance.pk is None:
            self.fields["submit_token"] = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
        if self.existing_photos:
            self.fields["remove_photos"] = forms.TypedMultipleChoiceField(
                label=_("Remove photos"),
                required=False,
                coerce=int,
                choices=[(p.pk, str(p.pk)) for p in self.existing_photos],
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["photos"].help_text = _("Up to %(n)d photos, each at most %(mb)d MB.") % {
            "n": max_photos(),
            "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        }

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value and value > timezone.localdate():
            raise ValidationError(_("A visit cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        new = list(data.get("camera") or []) + list(data.get("photos") or [])
        data["new_photos"] = new
        kept = len(self.existing_photos) - len(data.get("remove_photos") or [])
        if kept + len(new) > max_photos():
            self.add_error("photos", _("At most %(n)d photos per visit.") % {"n": max_photos()})
        return data


class ProblemForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(label=_("Problem found"), max_length=500)
    is_labour_dispute = forms.BooleanField(label=_("Labour dispute"), required=False)
    state = forms.ChoiceField(label=_("Follow-up"), choices=ProblemState.choices, initial=ProblemState.OPEN)
    owner = forms.CharField(label=_("Owner"), max_length=60, required=False)


class BaseProblemFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The rows to save: changed or existing rows, with "delete" set for the ones ticked for removal."""
        rows = []
        for form in self.forms:
            if not form.has_changed() and not form.initial.get("id"):
                continue
            data = dict(form.cleaned_data)
            if not data:
                continue
            data["id"] = form.initial.get("id")  # never the posted one: a row edits only its own problem
            data["delete"] = bool(data.pop("DELETE", False))
            rows.append(data)
        return rows


def problem_formset(*, data=None, initial=None, extra: int = 3, can_delete: bool = False):
    cls = forms.formset_factory(
        ProblemForm,
        formset=BaseProblemFormSet,
        extra=extra,
        can_delete=can_delete,
        max_num=20,
        validate_max=True,
    )
    return cls(data=data, initial=initial, prefix="problems")


def problem_initial(visit: Visit) -> list[dict]:
    return [
        {
            "id": p.pk,
            "description": p.description,
            "is_labour_dispute": p.is_labour_dispute,
            "state": p.state,
            "owner": p.owner,
        }
        for p in visit.problems.all()
    ]


def enterprise_choices(user, park_id: int):
    """Enterprises the user may log or move a visit to."""
    if getattr(user, "role", None) == "park_admin":
        return Enterprise.objects.filter(park_id=park_id).order_by("name")
    return Enterprise.objects.visible_to(user).order_by("name")


class FollowUpForm(forms.Form):
    state = forms.ChoiceField(label=_("Follow-up"), choices=ProblemState.choices)
    owner = forms.CharField(label=_("Owner"), max_length=60, required=False)
