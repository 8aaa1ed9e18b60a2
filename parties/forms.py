from __future__ import annotations

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_BYTES = 5 * 1024 * 1024
TOKEN_MAX_AGE = 60 * 60  # an upload waits an hour for its confirmation
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.xlsx$")


def import_dir() -> Path:
    """Uploads waiting for confirmation: under var/, never under MEDIA_ROOT (which the web server serves)."""
    return Path(getattr(settings, "PARTIES_IMPORT_DIR", settings.VAR_DIR / "imports"))


def token_salt(kind: str, user) -> str:
    return f"parties.import:{kind}:{user.pk}"


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"), help_text=_("Fill in the downloaded template."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel .xlsx file (not .xls or .csv)."))
        return upload


class ImportConfirmForm(forms.Form):
    """Carries a signed token naming the stored upload; it is bound to the user and the kind of import."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, kind: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.user = user

    def clean_token(self) -> Path:
        try:
            name = signing.loads(
                self.cleaned_data["token"], salt=token_salt(self.kind, self.user), max_age=TOKEN_MAX_AGE
            )
        except signing.SignatureExpired:
            raise forms.ValidationError(_("This preview has expired; upload the file again.")) from None
        except signing.BadSignature:
            raise forms.ValidationError(_("This preview is not valid; upload the file again.")) from None
        if not isinstance(name, str) or not STORED_NAME.match(name):
            raise forms.ValidationError(_("This preview is not valid; upload the file again."))
        path = import_dir() / name
        if not path.is_file():
            raise forms.ValidationError(_("This file was already imported or has expired; upload it again."))
        return path
