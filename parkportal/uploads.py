"""One validator for every upload (visit photos, event photos, case attachments).

Images are opened by Pillow with a fixed list of formats, checked against a pixel
limit (decompression bombs), fully decoded (truncated files), then re-encoded from
the pixels alone: EXIF (including GPS) and anything smuggled after the image data,
such as HTML behind a valid header, does not survive. PDFs are checked by signature
and for active content. Every failure is a ValidationError with a message for the
user, raised before anything is saved.
"""

from __future__ import annotations

import io
import os
import re
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Names of Pillow *openers*; MPO (multi-picture JPEG from phones) is opened by the JPEG opener. An unknown
# name here makes Image.open raise KeyError for every non-image (a 500): keep to registered openers.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@dataclass
class CleanImage:
    """A re-encoded image and its thumbnail, ready to be saved to an ImageField/FileField."""

    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _check_size(upload: UploadedFile) -> None:
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The file %(name)s is larger than %(limit)d MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(_("The file %(name)s is empty.") % {"name": upload.name}, code="empty")


def _looks_like_markup(head: bytes) -> bool:
    lowered = head.lower()
    return any(tag in lowered for tag in (b"<html", b"<script", b"<svg", b"<!doctype", b"<body", b"<iframe"))


def _reencode(image: Image.Image) -> tuple[Image.Image, io.BytesIO, io.BytesIO]:
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode == "L":
        image = image.convert("RGB")

    side = settings.UPLOAD_IMAGE_MAX_SIDE
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A fresh image from the pixels: no EXIF, no ICC tricks, nothing after the data.
    image.save(out, format="JPEG", quality=85, optimize=True)
    thumb = image.copy()
    thumb.thumbnail((settings.UPLOAD_THUMB_SIDE, settings.UPLOAD_THUMB_SIDE), Image.Resampling.LANCZOS)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80, optimize=True)
    return image, out, thumb_out


def clean_image(upload: UploadedFile) -> CleanImage:
    """Validate and re-encode an uploaded image; raise ValidationError with a user-facing message."""
    _check_size(upload)
    upload.seek(0)
    data = upload.read()
    if _looks_like_markup(data):
        raise ValidationError(_("The file %(name)s is not a photo.") % {"name": upload.name}, code="markup")
    not_image = ValidationError(
        _("The file %(name)s is not a photo we can read (JPEG, PNG, WebP or GIF).") % {"name": upload.name},
        code="not_image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            width, height = image.size
            if width * height > settings.UPLOAD_MAX_PIXELS:
                raise ValidationError(
                    _("The photo %(name)s has too many pixels.") % {"name": upload.name}, code="too_many_pixels"
                )
            image.load()  # decodes everything: a truncated file fails here
            image = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The photo %(name)s has too many pixels.") % {"name": upload.name}, code="bomb"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_image from None

    try:
        image, out, thumb_out = _reencode(image)
    except (OSError, ValueError):  # an odd mode or palette Pillow cannot convert: refuse, never a 500
        raise not_image from None
    stem = os.path.splitext(os.path.basename(upload.name or "photo"))[0][:40] or "photo"
    return CleanImage(
        image=ContentFile(out.getvalue(), name=f"{stem}.jpg"),
        thumbnail=ContentFile(thumb_out.getvalue(), name=f"{stem}_thumb.jpg"),
        width=image.width,
        height=image.height,
    )


#: PDF names that run code, open other programs, carry files or submit forms. Matched after decoding
#: "#xx" escapes in names (/J#61vaScript) and inside every compressed stream (object streams hide them).
_ACTIVE_PDF = re.compile(
    rb"/(javascript|js|launch|embeddedfile|embeddedfiles|richmedia|xfa|submitform|importdata|gotoe|gotor)(?![a-z0-9])",
    re.IGNORECASE,
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9a-fA-F]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
#: Budget for inflating a PDF's streams while scanning: a zip bomb inside a PDF stops here.
PDF_MAX_INFLATED_BYTES = 64 * 1024 * 1024


def _pdf_has_active_content(data: bytes) -> bool:
    def scan(chunk: bytes) -> bool:
        decoded = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), chunk)
        return bool(_ACTIVE_PDF.search(decoded))

    if scan(data):
        return True
    budget = PDF_MAX_INFLATED_BYTES
    for match in _PDF_STREAM.finditer(data):
        raw = match.group(1)
        try:
            inflater = zlib.decompressobj()
            inflated = inflater.decompress(raw, budget)
        except zlib.error:
            continue  # not Flate (images, other filters): nothing to read in it
        budget -= len(inflated)
        if scan(inflated):
            return True
        if budget <= 0 or inflater.unconsumed_tail:
            return True  # refuse rather than leave part of the document unread
    return False


def clean_pdf(upload: UploadedFile) -> ContentFile:
    """Accept a PDF only if it is one, and refuse PDFs that carry scripts, launch actions or files."""
    _check_size(upload)
    upload.seek(0)
    data = upload.read()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationError(_("The file %(name)s is not a PDF document.") % {"name": upload.name}, code="not_pdf")
    if _pdf_has_active_content(data):
        raise ValidationError(
            _("The PDF %(name)s contains scripts or embedded files and was refused.") % {"name": upload.name},
            code="active_pdf",
        )
    stem = os.path.splitext(os.path.basename(upload.name or "document"))[0][:60] or "document"
    return ContentFile(data, name=f"{stem}.pdf")


def clean_attachment(upload: UploadedFile) -> tuple[str, ContentFile, ContentFile | None]:
    """An image or a PDF. Returns (kind, file, thumbnail-or-None) with kind "image" or "pdf"."""
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf", clean_pdf(upload), None
    cleaned = clean_image(upload)
    return "image", cleaned.image, cleaned.thumbnail
