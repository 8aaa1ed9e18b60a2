"""The one upload validator (parkportal/uploads.py), through real Pillow and real files."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parkportal.uploads import clean_attachment, clean_image, clean_pdf


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def image_bytes(fmt: str = "JPEG", size=(64, 48), color=(200, 30, 30), **save) -> bytes:
    mode = "RGB" if fmt not in ("GIF",) else "P"
    image = Image.new(mode, size, color if mode == "RGB" else 1)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that *declares* width x height pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def refused(data: bytes, name: str = "photo.jpg", fn=clean_image) -> str:
    with pytest.raises(ValidationError) as info:
        fn(upload(data, name))
    return info.value.code


# --- images that must pass, re-encoded
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_ordinary_photos_are_accepted_and_re_encoded_as_jpeg(fmt):
    cleaned = clean_image(upload(image_bytes(fmt), f"p.{fmt.lower()}"))
    assert cleaned.image.read(3) == b"\xff\xd8\xff"
    assert cleaned.image.name == "p.jpg"
    assert (cleaned.width, cleaned.height) == (64, 48)
    assert Image.open(cleaned.thumbnail).format == "JPEG"


def test_transparent_png_gets_a_white_background():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    cleaned = clean_image(upload(buffer.getvalue(), "t.png"))
    assert Image.open(cleaned.image).getpixel((5, 5)) >= (250, 250, 250)


def test_big_photos_are_resized(settings):
    settings.UPLOAD_IMAGE_MAX_SIDE = 100
    cleaned = clean_image(upload(image_bytes(size=(400, 300))))
    assert (cleaned.width, cleaned.height) == (100, 75)


def test_exif_and_gps_are_stripped_and_orientation_applied():
    image = Image.new("RGB", (40, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "SecretCam"  # Make
    gps = {1: "N", 2: (30.0, 40.0, 0.0), 3: "E", 4: (104.0, 3.0, 0.0)}
    exif[0x8825] = gps
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SecretCam" in data and Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)

    cleaned = clean_image(upload(data))
    out = cleaned.image.read()
    reopened = Image.open(io.BytesIO(out))
    assert not reopened.getexif(), "EXIF survived re-encoding"
    assert b"SecretCam" not in out and b"Exif" not in out
    assert reopened.size == (20, 40), "orientation was not applied before stripping"
    assert (cleaned.width, cleaned.height) == (20, 40)


# --- what must be refused, with a message
def test_non_images_are_refused():
    assert refused(b"PK\x03\x04 a zip file, not a photo" * 10) == "not_image"
    assert refused(b"just some text") == "not_image"


def test_empty_file_is_refused():
    assert refused(b"") == "empty"


def test_svg_is_refused():
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refused(svg, "x.svg") == "markup"
    assert refused(b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', "x.svg") in ("markup",)


def test_bmp_and_tiff_are_unexpected_types():
    assert refused(image_bytes("BMP"), "x.bmp") == "not_image"
    assert refused(image_bytes("TIFF"), "x.tif") == "not_image"


def test_gif_with_script_is_refused():
    gif = image_bytes("GIF")
    with_comment = gif[:-1] + b"<script>alert(document.cookie)</script>" + gif[-1:]
    assert refused(with_comment, "x.gif") == "markup"


@pytest.mark.parametrize("payload", [b"<html><body>hi</body></html>", b"<script>alert(1)</script>", b"<!DOCTYPE html>"])
def test_html_behind_a_valid_image_header_is_refused(payload):
    assert refused(image_bytes("JPEG") + payload) == "markup"
    assert refused(image_bytes("PNG") + payload, "x.png") == "markup"


def test_decompression_bomb_is_refused_without_decoding():
    data = png_header_only(20_000, 20_000)  # 400 Mpx declared in a ~1 kB file
    assert len(data) < 2000
    assert refused(data, "bomb.png") in ("bomb", "too_many_pixels")


def test_image_over_the_pixel_limit_is_refused(settings):
    settings.UPLOAD_MAX_PIXELS = 100 * 100
    assert refused(png_header_only(200, 200), "big.png") == "too_many_pixels"


def test_truncated_jpeg_is_refused():
    data = image_bytes(size=(300, 300), color=(1, 2, 3), quality=95)
    noisy = Image.effect_noise((300, 300), 80).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG")
    data = buffer.getvalue()
    assert refused(data[: len(data) // 2]) == "not_image"


def test_file_over_the_size_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    data = image_bytes(size=(200, 200))
    assert len(data) > 1024 or True
    big = data + b"\x00" * 2048
    assert refused(big) == "too_large"


# --- PDFs
def pdf(body: bytes = b"1 0 obj << /Type /Catalog >> endobj\n") -> bytes:
    return b"%PDF-1.7\n" + body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


def test_plain_pdf_is_accepted():
    cleaned = clean_pdf(upload(pdf(), "award.pdf", "application/pdf"))
    assert cleaned.name == "award.pdf"
    kind, file, thumb = clean_attachment(upload(pdf(), "award.pdf", "application/pdf"))
    assert (kind, thumb) == ("pdf", None)


def test_not_a_pdf_is_refused():
    assert refused(b"%PDF-1.7 but cut off", "x.pdf", clean_pdf) == "not_pdf"
    assert refused(b"hello %%EOF", "x.pdf", clean_pdf) == "not_pdf"


@pytest.mark.parametrize(
    "body",
    [
        b"1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n",
        b"1 0 obj << /OpenAction << /S /JavaScript /JS(app.alert(1)) >> >> endobj\n",  # no space after /JS
        b"1 0 obj << /AA << /O << /S /J#61vaScript /J#53 (x) >> >> >> endobj\n",  # name escapes
        b"1 0 obj << /S /Launch /F (cmd.exe) >> endobj\n",
        b"1 0 obj << /EmbeddedFiles << >> >> endobj\n",
    ],
)
def test_pdf_with_active_content_is_refused(body):
    assert refused(pdf(body), "x.pdf", clean_pdf) == "active_pdf"


def test_pdf_with_script_hidden_in_a_compressed_object_stream_is_refused():
    hidden = zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    body = b"2 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + hidden + b"\nendstream\nendobj\n"
    assert refused(pdf(body), "x.pdf", clean_pdf) == "active_pdf"
    harmless = zlib.compress(b"BT /F1 12 Tf (Hello) Tj ET")
    ok = b"2 0 obj << /Filter /FlateDecode >>\nstream\n" + harmless + b"\nendstream\nendobj\n"
    assert clean_pdf(upload(pdf(ok), "ok.pdf", "application/pdf"))


def test_attachment_routes_images_and_refuses_the_rest():
    kind, file, thumb = clean_attachment(upload(image_bytes(), "p.jpg"))
    assert kind == "image" and thumb is not None
    with pytest.raises(ValidationError):
        clean_attachment(upload(b"<html>", "p.html", "text/html"))


def test_every_allowed_format_is_a_registered_pillow_opener():
    # "MPO" here once made Image.open raise KeyError for every non-image: a 500 instead of a message.
    from parkportal.uploads import IMAGE_FORMATS

    Image.init()
    assert set(IMAGE_FORMATS) <= set(Image.OPEN)
