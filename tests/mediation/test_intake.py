"""Receiving an application: oral and written, the limitation warning, attachments, bad input, double submission."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from mediation.models import Applicant, Attachment, Case, CaseEvent

pytestmark = pytest.mark.django_db
URL = "/mediation/new/"


def form_data(room, **overrides) -> dict:
    data = {
        "submit_token": str(uuid.uuid4()),
        "body": room.pk,
        "intake": "oral",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "matter": "拖欠两个月工资",
        "reasons": "老板说资金紧张，一直拖着不发",
        "respondent_pick": "",
        "respondent_name": "成都某某货运有限公司",
        "respondent_contact": "",
        "dispute_type": "wages",
        "amount_claimed": "8600",
        "harm_known_on": "",
        "facts": "2026年9月、10月工资未发",
        "requests": "支付工资8600元",
        "source": "walk_in",
        "applicants-TOTAL_FORMS": "3",
        "applicants-INITIAL_FORMS": "0",
        "applicants-MIN_NUM_FORMS": "1",
        "applicants-MAX_NUM_FORMS": "20",
        "applicants-0-name": "张师傅",
        "applicants-0-phone": "138 1234 5678",
        "applicants-0-id_number": "51010019900101123x",
        "applicants-1-name": "李师傅",
        "applicants-1-phone": "",
        "applicants-1-id_number": "",
        "applicants-2-name": "",
        "applicants-2-phone": "",
        "applicants-2-id_number": "",
    }
    data.update(overrides)
    return data


def _counts():
    return (Case.objects.count(), Applicant.objects.count(), CaseEvent.objects.count(), Attachment.objects.count())


def test_oral_intake_with_two_applicants(client, mabel, room):
    client.force_login(mabel)
    response = client.post(URL, form_data(room))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/mediation/{case.pk}/"
    assert case.intake == "oral" and case.reasons and case.status == "received"
    assert case.received_on == timezone.localdate()
    assert [(a.name, a.phone, a.id_number) for a in case.applicants.all()] == [
        ("张师傅", "13812345678", "51010019900101123X"),
        ("李师傅", "", ""),
    ]
    assert CaseEvent.objects.get(case=case).kind == "created"
    # Lists show masked phones and only the last four characters of the ID number.
    listing = client.get("/mediation/").content.decode()
    assert "138****5678" in listing and "13812345678" not in listing
    assert "123X" in listing and "51010019900101123X" not in listing


def test_double_submission_creates_one_case(client, mabel, room):
    client.force_login(mabel)
    data = form_data(room)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Case.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"reasons": ""}, "reasons"),  # oral application without the reasons
        ({"respondent_name": ""}, "respondent_name"),  # no respondent
        ({"amount_claimed": "-5"}, "amount_claimed"),
        ({"amount_claimed": "1e30"}, "amount_claimed"),
        ({"dispute_type": "murder"}, "dispute_type"),
        ({"received_at": "2999-01-01T10:00"}, "received_at"),
        ({"harm_known_on": "2026-02-30"}, "harm_known_on"),
        ({"matter": "x" * 500}, "matter"),
        ({"facts": ""}, "facts"),
        ({"applicants-0-phone": "12345"}, "phone"),
        ({"applicants-0-id_number": "abc"}, "id_number"),
        ({"applicants-0-name": "", "applicants-1-name": ""}, None),
        ({"applicants-TOTAL_FORMS": "5000"}, None),
        ({"body": "999999"}, "body"),
        ({"submit_token": "not-a-uuid"}, None),
    ],
)
def test_bad_input_writes_nothing(client, mabel, room, overrides, field):
    client.force_login(mabel)
    before = _counts()
    response = client.post(URL, form_data(room, **overrides))
    assert response.status_code == 200
    assert _counts() == before
    assert "errorlist" in response.content.decode()


def test_body_of_another_mediator_is_refused(client, mabel, room, committee):
    client.force_login(mabel)
    response = client.post(URL, form_data(room, body=committee.pk))
    assert response.status_code == 200 and not Case.objects.exists()


def test_a_bad_attachment_writes_nothing(client, mabel, room):
    client.force_login(mabel)
    data = form_data(room)
    data["files"] = [SimpleUploadedFile("evil.jpg", b"<html><script>alert(1)</script>", content_type="image/jpeg")]
    response = client.post(URL, data)
    assert response.status_code == 200
    assert _counts() == (0, 0, 0, 0)


def test_attachments_are_cleaned_and_served_only_in_scope(client, mabel, otto, room, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    client.force_login(mabel)
    data = form_data(room)
    data["files"] = [
        SimpleUploadedFile("payslip.png", buffer.getvalue(), content_type="image/png"),
        SimpleUploadedFile("contract.pdf", pdf, content_type="application/pdf"),
    ]
    client.post(URL, data)
    case = Case.objects.get()
    files = list(case.attachments.order_by("pk"))
    assert [f.kind for f in files] == ["image", "pdf"]
    assert files[0].file.name.endswith(".jpg")  # re-encoded
    url = reverse("mediation:attachment", args=[case.pk, files[0].pk])
    assert client.get(url).status_code == 200
    client.force_login(otto)
    assert client.get(url).status_code == 404


def test_limitation_warning_near_and_passed(client, mabel, room):
    client.force_login(mabel)
    near = (timezone.localdate() - timedelta(days=330)).isoformat()
    response = client.post(URL, form_data(room, harm_known_on=near), follow=True)
    body = response.content.decode()
    assert "limitation period" in body or "时效" in body
    passed = (timezone.localdate() - timedelta(days=400)).isoformat()
    response = client.post(URL, form_data(room, harm_known_on=passed), follow=True)
    body = response.content.decode()
    assert "has passed" in body or "已过" in body
    fresh = (timezone.localdate() - timedelta(days=30)).isoformat()
    response = client.post(URL, form_data(room, harm_known_on=fresh), follow=True)
    body = response.content.decode()
    assert "limitation" not in body and "时效" not in body
