"""Event cover and outcome photos go through the one upload validator; a bad file is a field error."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from activities.models import Event, Outcome, OutcomePhoto
from tests.activities.conftest import make_event

pytestmark = pytest.mark.django_db


def _jpeg(name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_cover_photo_is_reencoded_and_shared_as_og_image(client, alice, clinic, media):
    client.force_login(alice)
    data = {
        "kind": clinic.kind_id,
        "title": clinic.title,
        "organiser": clinic.organiser_id,
        "venue_text": clinic.venue_text,
        "starts_at": timezone.localtime(clinic.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(clinic.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "audience": "drivers",
        "capacity": "50",
        "cover_upload": _jpeg(),
    }
    response = client.post(reverse("activities:event_edit", args=[clinic.pk]), data)
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.cover.name.endswith(".jpg") and clinic.cover_thumb
    client.logout()
    html = client.get(reverse("activities:event_detail", args=[clinic.pk])).content.decode()
    assert 'property="og:image"' in html and clinic.cover_thumb.url in html


def test_html_disguised_as_photo_is_refused(client, alice, kinds, tree, media):
    client.force_login(alice)
    start = timezone.localtime() + timedelta(days=4)
    bad = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff<html><script>alert(1)</script>", content_type="image/jpeg")
    response = client.post(
        reverse("activities:event_create"),
        {
            "kind": kinds["clinic"].pk,
            "title": "t",
            "organiser": tree["b1"].pk,
            "venue_text": "v",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "audience": "drivers",
            "cover_upload": bad,
        },
    )
    assert response.status_code == 200 and "cover_upload" in response.context["form"].errors
    assert not Event.objects.exists()


def test_outcome_photos(client, alice, park, tree, kinds, media):
    event = make_event(park, kinds["clinic"], tree["b1"])
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(days=1))
    client.force_login(alice)
    client.post(
        reverse("activities:event_outcome", args=[event.pk]),
        {"people_served": "30", "photos": [_jpeg("a.jpg"), _jpeg("b.jpg")]},
    )
    assert Outcome.objects.get(event=event).photos.count() == 2
    response = client.post(
        reverse("activities:event_outcome", args=[event.pk]),
        {"people_served": "31", "photos": [SimpleUploadedFile("c.jpg", b"not an image")]},
    )
    assert response.status_code == 200
    assert OutcomePhoto.objects.count() == 2 and Outcome.objects.get(event=event).people_served == 30
