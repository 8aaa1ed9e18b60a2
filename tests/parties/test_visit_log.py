"""Logging a visit from the phone: pre-filled form, problems and photos in one transaction, bad photos refused."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from parties.models import Visit, VisitPhoto, VisitProblem
from tests.parties.visit_matrix import jpeg_bytes, jpeg_upload

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _post_data(enterprise, **extra) -> dict:
    data = {
        "enterprise": enterprise.pk,
        "date": timezone.localdate().isoformat(),
        "kind": "org_life",
        "people_met": "王经理、李书记",
        "summary": "指导支部召开组织生活会。",
        "problems-TOTAL_FORMS": "3",
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "20",
        "problems-0-description": "两名员工欠薪纠纷",
        "problems-0-state": "open",
        "problems-0-owner": "人事部张主管",
        "problems-0-is_labour_dispute": "on",
        "problems-1-state": "open",
        "problems-2-state": "open",
    }
    data.update(extra)
    return data


def _files_on_disk(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_the_form_opened_from_an_enterprise_is_prefilled_with_it_and_today(client, ian, tree):
    client.force_login(ian)
    response = client.get(reverse("parties:visit_new") + f"?enterprise={tree['e1'].pk}", **EN)
    html = response.content.decode()
    assert re.search(rf'<option value="{tree["e1"].pk}" selected>', html)
    assert f'value="{timezone.localdate().isoformat()}"' in html
    # The camera input, and a gallery input, both accept several images.
    assert re.search(r'<input type="file" name="camera"[^>]*accept="image/\*"[^>]*multiple[^>]*capture', html)
    assert re.search(r'<input type="file" name="photos"[^>]*accept="image/\*"[^>]*multiple', html)
    # Another instructor's enterprise is not offered, even when asked for.
    response = client.get(reverse("parties:visit_new") + f"?enterprise={tree['e2'].pk}", **EN)
    assert tree["e2"].name not in response.content.decode()


@pytest.mark.django_db
def test_an_instructor_logs_a_visit_with_a_problem_and_photos(client, ian, tree, media):
    client.force_login(ian)
    data = _post_data(tree["e1"], camera=[jpeg_upload("cam.jpg", width=3000, height=2000)])
    data["photos"] = [jpeg_upload("g1.jpg"), jpeg_upload("g2.jpg")]
    response = client.post(reverse("parties:visit_new"), data, **EN)
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("parties:visit_detail", kwargs={"pk": visit.pk})
    assert (visit.enterprise, visit.instructor, visit.author) == (tree["e1"], tree["ins1"], ian)
    problem = visit.problems.get()
    assert (problem.description, problem.state, problem.owner, problem.is_labour_dispute) == (
        "两名员工欠薪纠纷",
        "open",
        "人事部张主管",
        True,
    )
    photos = list(visit.photos.all())
    assert len(photos) == 3
    big = max(photos, key=lambda p: p.width)
    assert (big.width, big.height) == (1600, 1067)  # resized to at most 1600 px
    with Image.open(big.thumbnail.path) as thumb:
        assert max(thumb.size) <= 320
    page = client.get(response["Location"], **EN).content.decode()
    assert "两名员工欠薪纠纷" in page and "人事部张主管" in page
    assert page.count(reverse("parties:visit_photo_thumb", kwargs={"pk": big.pk})) == 1


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, format="PNG")  # 144 Mpx in a few hundred KB
    return out.getvalue()


BAD_PHOTOS = {
    "not an image": (b"just some text, not a picture" * 10, "is not a photo we can read"),
    "decompression bomb": (None, "has too many pixels"),
    "truncated": (jpeg_bytes(800, 600)[:3000], "is not a photo we can read"),
    "HTML with an image header": (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>",
        "is not a photo",
    ),
    "over 10 MB": (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 10), "is larger than 10 MB"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_PHOTOS))
def test_a_bad_photo_is_refused_next_to_its_field_and_nothing_else_is_lost(client, ian, tree, media, case):
    content, message = BAD_PHOTOS[case]
    if content is None:
        content = _bomb()
    client.force_login(ian)
    data = _post_data(tree["e1"])
    data["photos"] = [jpeg_upload("good.jpg"), SimpleUploadedFile("bad.jpg", content, content_type="image/jpeg")]
    response = client.post(reverse("parties:visit_new"), data, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    # The message names the file and sits in the photos field's block, after its input.
    block = html[html.index('name="photos"') :]
    block = block[: block.index("</div>")]
    assert "bad.jpg" in block and message in block, block
    # Every text the instructor typed is shown again.
    assert 'value="王经理、李书记"' in html
    assert "指导支部召开组织生活会。</textarea>" in html
    assert 'value="两名员工欠薪纠纷"' in html
    assert 'value="人事部张主管"' in html
    assert "choose them again" in html
    # Nothing half-saved: no visit, no problem, no file.
    assert not Visit.objects.exists() and not VisitProblem.objects.exists() and not VisitPhoto.objects.exists()
    assert _files_on_disk(media) == []


@pytest.mark.django_db
def test_more_than_nine_photos_are_refused(client, ian, tree, media):
    client.force_login(ian)
    data = _post_data(tree["e1"])
    data["camera"] = [jpeg_upload(f"c{i}.jpg", width=64, height=64) for i in range(5)]
    data["photos"] = [jpeg_upload(f"g{i}.jpg", width=64, height=64) for i in range(5)]
    response = client.post(reverse("parties:visit_new"), data, **EN)
    assert response.status_code == 200
    assert "At most 9 photos per visit." in response.content.decode()
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_visit_in_the_future_or_without_its_text_is_refused(client, ian, tree):
    client.force_login(ian)
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = client.post(reverse("parties:visit_new"), _post_data(tree["e1"], date=tomorrow, summary=""), **EN)
    html = response.content.decode()
    assert "A visit cannot be in the future." in html
    assert "This field is required." in html
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_a_problem_row_with_an_owner_but_no_description_is_refused(client, ian, tree):
    client.force_login(ian)
    data = _post_data(tree["e1"], **{"problems-1-owner": "某人"})
    response = client.post(reverse("parties:visit_new"), data, **EN)
    assert response.status_code == 200
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_an_instructor_cannot_log_a_visit_at_another_instructors_enterprise(client, ian, tree):
    client.force_login(ian)
    response = client.post(reverse("parties:visit_new"), _post_data(tree["e2"]), **EN)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Visit.objects.exists()


@pytest.mark.django_db
def test_garbage_input_never_answers_500(client, ian, tree):
    client.force_login(ian)
    data = _post_data(tree["e1"])
    data.update(
        {
            "enterprise": "x",
            "date": "2024-13-45",
            "kind": "nope",
            "problems-TOTAL_FORMS": "abc",
            "problems-0-state": "zzz",
        }
    )
    response = client.post(reverse("parties:visit_new"), data, **EN)
    assert response.status_code == 200
    assert not Visit.objects.exists()


def test_a_double_submitted_visit_is_logged_once(client, ian, tree):
    client.force_login(ian)
    html = client.get(reverse("parties:visit_new") + f"?enterprise={tree['e1'].pk}").content.decode()
    token = re.search(r'name="submit_token" value="([0-9a-f-]{36})"', html).group(1)
    data = _post_data(tree["e1"], submit_token=token)
    first = client.post(reverse("parties:visit_new"), data)
    second = client.post(reverse("parties:visit_new"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Visit.objects.count() == 1
    assert VisitProblem.objects.count() == 1
