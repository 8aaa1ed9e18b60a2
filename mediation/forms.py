from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mediation.models import Agreement, Applicant, Case, Instalment, Intake, MediationBody, Session
from parkportal.forms import BoundedModelMultipleChoiceField
from parkportal.uploads import clean_attachment
from parkportal.validators import normalize_mobile, validate_mobile
from parties.models import Enterprise

ID_RE = re.compile(r"^(\d{15}|\d{17}[\dXx])$")
MAX_ATTACHMENTS = 10
MAX_RESPONDENT_MATCHES = 10
NOT_REGISTERED = "none"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class VersionMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class CaseIntakeForm(forms.ModelForm):
    submit_token = forms.UUIDField(widget=forms.HiddenInput)
    # The respondent is typed, not picked from a <select> of every enterprise (thousands in a large park):
    # the server resolves the name; when several enterprises match, the form comes back with them to pick.
    respondent_pick = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("Photos or PDF documents (contracts, pay slips, medical records), up to 10 files."),
    )

    class Meta:
        model = Case
        fields = [
            "body",
            "intake",
            "received_at",
            "matter",
            "reasons",
            "respondent_name",
            "respondent_contact",
            "dispute_type",
            "amount_claimed",
            "harm_known_on",
            "facts",
            "requests",
            "source",
        ]
        widgets = {
            "intake": forms.RadioSelect,
            "received_at": DateTimeInput(),
            "harm_known_on": DateInput(),
            "facts": forms.Textarea(attrs={"rows": 4}),
            "requests": forms.Textarea(attrs={"rows": 3}),
            "reasons": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "reasons": _("Required for an oral application: the reasons the applicant gave, as stated."),
            "received_at": _("When the application was received (for an oral one, when it was made)."),
            "respondent_name": _(
                "Type the enterprise's name (or part of it): it is looked up in this park's register. A person or an "
                "outside company not in the register is kept as written."
            ),
            "harm_known_on": _(
                "When the worker knew of the harm: the one-year limitation period for arbitration runs from then."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["body"].queryset = (
            MediationBody.objects.visible_to(user).filter(active=True).order_by("-kind", "name")
        )
        self.fields["body"].empty_label = None
        self.fields["respondent_name"].label = _("Respondent")
        self.respondent_matches: list[Enterprise] = []
        self.respondent_more = False
        self.fields["amount_claimed"].widget.attrs.update({"min": "0", "step": "0.01", "inputmode": "decimal"})
        for name in ("matter", "respondent_name", "respondent_contact"):
            self.fields[name].widget.attrs["maxlength"] = self.fields[name].max_length

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at") or timezone.now()
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError(_("The time of receipt cannot be in the future."))
        if value.year < 2000:
            raise ValidationError(_("Enter a real date."))
        return value

    def clean_harm_known_on(self):
        value = self.cleaned_data.get("harm_known_on")
        if value and value > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."))
        if value and value.year < 1990:
            raise ValidationError(_("Enter a real date."))
        return value

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_("At most %(n)d files.") % {"n": MAX_ATTACHMENTS})
        cleaned = []
        for upload in files:
            cleaned.append((clean_attachment(upload), upload.name))
        return cleaned

    def _park_enterprises(self):
        return Enterprise.objects.filter(park_id=self.user.park_id)

    def _resolve_respondent(self, data: dict) -> None:
        """Turn the typed respondent into a registered enterprise of the user's park, or keep it as written.

        A pick from the offered matches wins; else one exact name links directly; else names containing the
        text are offered to choose from (an error on the field, so nothing is saved yet); no match: free text.
        """
        name = (data.get("respondent_name") or "").strip()
        pick = (data.get("respondent_pick") or "").strip()
        data["respondent_enterprise"] = None
        if pick and pick != NOT_REGISTERED:
            enterprise = (
                self._park_enterprises().filter(pk=int(pick)).first()
                if pick.isascii() and pick.isdigit() and int(pick) < 2**31
                else None
            )
            if enterprise is None:
                self.add_error(
                    "respondent_name", _("Choose one of the enterprises listed, or keep the name as written.")
                )
                return
            data["respondent_enterprise"] = enterprise
            data["respondent_name"] = ""
            self.respondent_matches = [enterprise]  # shown again, checked, if another field sends the form back
            return
        if not name:
            if "respondent_name" not in self.errors:
                self.add_error(
                    "respondent_name", _("Write the respondent's name (an enterprise of the register or anyone else).")
                )
            return
        if pick == NOT_REGISTERED:
            return
        exact = list(self._park_enterprises().filter(name__iexact=name).order_by("pk")[:2])
        if len(exact) == 1:
            data["respondent_enterprise"] = exact[0]
            data["respondent_name"] = ""
            return
        candidates = exact or self._park_enterprises().filter(name__icontains=name).order_by("name", "pk")
        matches = list(candidates[: MAX_RESPONDENT_MATCHES + 1])
        if not matches:
            return  # not in the register: a person or an outside company, kept as written
        self.respondent_more = len(matches) > MAX_RESPONDENT_MATCHES
        self.respondent_matches = matches[:MAX_RESPONDENT_MATCHES]
        if self.respondent_more:
            message = _(
                "Many enterprises in the register contain this name: choose one below or type more of the name."
            )
        else:
            message = _("Enterprises in the register match this name: choose one below, or keep the name as written.")
        self.add_error("respondent_name", message)

    def clean(self):
        data = super().clean()
        self._resolve_respondent(data)
        if data.get("intake") == Intake.ORAL and not (data.get("reasons") or "").strip():
            self.add_error("reasons", _("For an oral application, record the reasons the applicant gave."))
        return data

    def case_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.Meta.fields if name != "body"}
        fields["respondent_enterprise"] = data.get("respondent_enterprise")
        fields["received_on"] = timezone.localtime(data["received_at"]).date()
        for name in ("matter", "reasons", "respondent_name", "respondent_contact", "facts", "requests"):
            fields[name] = (fields[name] or "").strip()
        return fields


class ApplicantForm(forms.ModelForm):
    # Longer than 11 so "138 1234 5678" or "+86…" can be typed; normalised and validated in clean_phone.
    phone = forms.CharField(
        label=_("mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    class Meta:
        model = Applicant
        fields = ["name", "phone", "id_number"]

    def clean_name(self):
        return (self.cleaned_data.get("name") or "").strip()

    def clean_phone(self):
        value = normalize_mobile(self.cleaned_data.get("phone") or "")
        validate_mobile(value)
        return value

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if value and not ID_RE.match(value):
            raise ValidationError(_("Enter an 18-character resident ID number (or leave it empty)."))
        return value


def applicant_formset(data=None, extra: int = 2):
    cls = forms.formset_factory(
        ApplicantForm, extra=extra, min_num=1, validate_min=True, max_num=20, validate_max=True, absolute_max=20
    )
    return cls(data=data, prefix="applicants")


class MoveForm(VersionMixin):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DeclineForm(VersionMixin):
    reason = forms.CharField(label=_("Reason for declining"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    referral = forms.CharField(
        label=_("Referred to"),
        max_length=200,
        required=False,
        help_text=_("Where the applicant was sent, e.g. the labour dispute arbitration commission or the court."),
    )


class SessionForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = Session
        fields = ["held_on", "place", "present", "minutes"]
        widgets = {
            "held_on": DateInput(),
            "present": forms.Textarea(attrs={"rows": 2}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
        }

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A session cannot be recorded before it is held."))
        return value


class AgreementForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["facts_in_dispute", "terms", "performance", "perform_by", "amount", "signed_on"]
        widgets = {
            "facts_in_dispute": forms.Textarea(attrs={"rows": 4}),
            "terms": forms.Textarea(attrs={"rows": 4}),
            "performance": forms.Textarea(attrs={"rows": 2}),
            "perform_by": DateInput(),
            "signed_on": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("signed_on") and data["signed_on"] > timezone.localdate():
            self.add_error("signed_on", _("The agreement cannot be signed in the future."))
        if data.get("perform_by") and data.get("signed_on") and data["perform_by"] < data["signed_on"]:
            self.add_error("perform_by", _("The date of performance cannot be before the signing."))
        return data


class InstalmentForm(VersionMixin, forms.ModelForm):
    class Meta:
        model = Instalment
        fields = ["amount", "due_on", "paid_on", "note"]
        widgets = {"due_on": DateInput(), "paid_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.get("due_on") and not data.get("paid_on"):
            self.add_error("due_on", _("Give the date it is due or the date it was paid."))
        if data.get("paid_on") and data["paid_on"] > timezone.localdate():
            self.add_error("paid_on", _("A payment cannot be recorded before it is made."))
        return data


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())

    def clean_paid_on(self):
        value = self.cleaned_data["paid_on"]
        if value > timezone.localdate():
            raise ValidationError(_("A payment cannot be recorded before it is made."))
        return value


class BodyForm(forms.ModelForm):
    class Meta:
        model = MediationBody
        fields = ["name", "kind", "enterprise", "address", "mediators", "active"]
        widgets = {"mediators": forms.CheckboxSelectMultiple, "kind": forms.RadioSelect}
        field_classes = {"mediators": BoundedModelMultipleChoiceField}

    def __init__(self, *args, park, **kwargs):
        super().__init__(*args, **kwargs)
        from parkportal.models import User
        from parkportal.roles import Role

        self.park = park
        self.fields["enterprise"].queryset = Enterprise.objects.filter(park=park).order_by("name")
        self.fields["enterprise"].required = False
        self.fields["mediators"].queryset = User.objects.filter(park=park, role=Role.MEDIATOR, is_active=True)

    def clean_name(self):
        name = (self.cleaned_data.get("name") or "").strip()
        clash = MediationBody.objects.filter(park=self.park, name=name).exclude(pk=self.instance.pk)
        if name and clash.exists():
            raise ValidationError(_("The park already has a mediation body of this name."))
        return name

    def clean(self):
        data = super().clean()
        kind, enterprise = data.get("kind"), data.get("enterprise")
        if kind == "committee" and not enterprise:
            self.add_error("enterprise", _("An enterprise committee belongs to an enterprise: choose it."))
        if kind == "room" and enterprise:
            self.add_error("enterprise", _("A park room belongs to no enterprise: leave this empty."))
        return data
