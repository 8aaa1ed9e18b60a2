"""Excel import: template, preview with every bad row and column, confirm by signed token, all or nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from parties import services
from parties.models import Enterprise, Member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.PARTIES_IMPORT_DIR = tmp_path / "imports"
    return settings.PARTIES_IMPORT_DIR


def _headers(client, kind: str) -> list[str]:
    response = client.get(reverse(f"parties:import_{kind}_template"))
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2  # the headers and one example row
    return list(rows[0])


def _xlsx(headers, rows, name="upload.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    return match.group(1) if match else ""


def member_row(name, org="传化公路港党支部", phone="13812345678", floating="否", home=""):
    return [name, org, "正式党员", "2010-07-01", phone, floating, home, "", "", "2026-10-01"]


def test_members_upload_preview_confirm(client, alice, tree, import_dir):
    client.force_login(alice)
    headers = _headers(client, "members")
    upload = _xlsx(headers, [member_row("甲"), member_row("乙", floating="是", home="湖南省某支部"), member_row("丙")])
    response = client.post(reverse("parties:import_members"), {"file": upload})
    assert response.status_code == 200
    assert len(response.context["report"].rows) == 3
    assert Member.objects.count() == 0, "nothing is saved before the confirmation"
    token = _token(response)
    assert token and len(list(import_dir.glob("*.xlsx"))) == 1
    response = client.post(reverse("parties:import_members_confirm"), {"token": token})
    assert response.status_code == 302
    assert sorted(Member.objects.values_list("name", flat=True)) == ["丙", "乙", "甲"]
    floating = Member.objects.get(name="乙")
    assert floating.is_floating and floating.home_organisation == "湖南省某支部" and not floating.can_vote_here
    assert list(import_dir.glob("*.xlsx")) == [], "the stored upload is deleted once saved"
    # The same token cannot import twice.
    response = client.post(reverse("parties:import_members_confirm"), {"token": token})
    assert response.status_code == 200
    assert response.context["confirm"].errors["token"]
    assert Member.objects.count() == 3


def test_a_bad_row_in_the_middle_saves_nothing(client, alice, tree):
    client.force_login(alice)
    headers = _headers(client, "members")
    rows = [member_row("甲"), member_row("乙", phone="12345"), member_row("丙", org="不存在的支部"), member_row("丁")]
    response = client.post(reverse("parties:import_members"), {"file": _xlsx(headers, rows)})
    errors = response.context["report"].errors
    assert {(row, column) for row, column, _ in errors} == {(3, headers[4]), (4, headers[1])}
    html = response.content.decode()
    assert headers[1] in html and headers[4] in html
    assert _token(response) == "", "a file with errors cannot be confirmed"
    assert Member.objects.count() == 0


def test_the_service_is_all_or_nothing(tree):
    """A row that fails in the database (a floating member without a home organisation) undoes the rows before it."""
    park = tree["root"].park

    def row(name, **extra):
        base = {
            "name": name,
            "organisation": tree["b1"],
            "status": "full",
            "admitted": None,
            "phone": "",
            "is_floating": False,
            "home_organisation": "",
            "floating_certificate": "",
            "enterprise": None,
            "last_activity": None,
        }
        return {**base, **extra}

    with pytest.raises(IntegrityError):
        services.members_import(park=park, rows=[row("甲"), row("乙", is_floating=True), row("丙")])
    assert Member.objects.count() == 0


def test_enterprises_import_with_platform_in_the_same_file(client, alice, tree):
    client.force_login(alice)
    headers = _headers(client, "enterprises")
    rows = [
        ["新平台", "平台企业", "", "物流运输类", 300, 12, "单独建立", "传化公路港党支部", "", "", "", ""],
        ["新租户", "二次招商企业", "新平台", "", 20, 1, "指导员覆盖", "", "", "", "", ""],
        ["老租户", "secondary", "云集药业", "", 8, 3, "none", "", "刚入驻", "2027-01-31", "", ""],
    ]
    response = client.post(reverse("parties:import_enterprises"), {"file": _xlsx(headers, rows)})
    report = response.context["report"]
    assert report.ok, report.errors
    response = client.post(reverse("parties:import_enterprises_confirm"), {"token": _token(response)})
    assert response.status_code == 302
    tenant = Enterprise.objects.get(name="新租户")
    assert tenant.platform.name == "新平台" and tenant.coverage == "instructor"
    old = Enterprise.objects.get(name="老租户")
    assert (
        old.platform == tree["e2"] and old.no_coverage_reason == "刚入驻" and str(old.coverage_planned) == "2027-01-31"
    )


def test_enterprise_import_reports_each_bad_row_and_column(client, alice, tree):
    client.force_login(alice)
    headers = _headers(client, "enterprises")
    rows = [
        ["传化公路港", "平台企业", "", "", 1, 1, "单独建立", "传化公路港党支部", "", "", "", ""],  # exists
        ["孤儿租户", "二次招商企业", "", "", 1, 1, "指导员覆盖", "", "", "", "", ""],  # no platform
        ["好企业", "二次招商企业", "云集药业", "", 1, 1, "指导员覆盖", "", "", "", "", ""],
        ["无理由", "二次招商企业", "云集药业", "", "many", 1, "未覆盖", "", "", "明天", "", ""],
        ["=1+1", "平台企业", "", "", 1, 1, "what", "", "", "", "", ""],
    ]
    response = client.post(reverse("parties:import_enterprises"), {"file": _xlsx(headers, rows)})
    found = {(row, column) for row, column, _ in response.context["report"].errors}
    assert (2, headers[0]) in found  # name exists
    assert (3, headers[2]) in found  # platform missing
    assert not any(row == 4 for row, _ in found)
    assert {(5, headers[4]), (5, headers[9])} <= found  # staff not a number, bad date
    assert {(6, headers[0]), (6, headers[6])} <= found  # a formula, an unknown coverage
    assert Enterprise.objects.count() == 2


def test_secretary_imports_members_only_into_their_subtree(client, sam, tree):
    client.force_login(sam)
    headers = _headers(client, "members")
    rows = [member_row("甲"), member_row("乙", org="云集药业党支部")]
    response = client.post(reverse("parties:import_members"), {"file": _xlsx(headers, rows)})
    assert [(row, column) for row, column, _ in response.context["report"].errors] == [(3, headers[1])]
    assert Member.objects.count() == 0


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("members.csv", b"name,organisation\n"),
        SimpleUploadedFile("members.xlsx", b"<html>not a workbook</html>"),
        SimpleUploadedFile("members.xlsx", b""),
    ],
)
def test_bad_uploads_show_an_error_and_save_nothing(client, alice, tree, upload):
    client.force_login(alice)
    response = client.post(reverse("parties:import_members"), {"file": upload})
    assert response.status_code == 200
    form = response.context.get("form")
    report = response.context.get("report")
    assert (form is not None and form.errors) or (report is not None and report.fatal)
    assert Member.objects.count() == 0


def test_missing_file_is_a_field_error(client, alice):
    client.force_login(alice)
    response = client.post(reverse("parties:import_members"), {})
    assert response.context["form"].errors["file"]


def test_wrong_headers_are_reported(client, alice, tree):
    client.force_login(alice)
    response = client.post(reverse("parties:import_members"), {"file": _xlsx(["foo", "bar"], [["a", "b"]])})
    assert response.context["report"].fatal
    assert Member.objects.count() == 0


def test_tokens_are_bound_to_user_kind_and_time(client, alice, tree, import_dir):
    from tests.conftest import make_user

    client.force_login(alice)
    headers = _headers(client, "members")
    response = client.post(reverse("parties:import_members"), {"file": _xlsx(headers, [member_row("甲")])})
    token = _token(response)
    confirm = reverse("parties:import_members_confirm")
    # Another administrator of the same park cannot confirm alice's upload.
    client.force_login(make_user("alice2", "park_admin", tree["root"].park))
    assert client.post(confirm, {"token": token}).context["confirm"].errors["token"]
    client.force_login(alice)
    # A members token does not confirm an enterprise import; a forged token is refused.
    assert client.post(reverse("parties:import_enterprises_confirm"), {"token": token}).context["confirm"].errors
    assert client.post(confirm, {"token": token[:-2] + "xx"}).context["confirm"].errors["token"]
    assert client.post(confirm, {"token": ""}).context["confirm"].errors["token"]
    with time_machine.travel(timezone.now() + timedelta(hours=2)):  # a preview waits one hour
        assert client.post(confirm, {"token": token}).context["confirm"].errors["token"]
    assert Member.objects.count() == 0
    assert client.post(confirm, {"token": token}).status_code == 302
    assert Member.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_import_once(park, tree, alice, settings, tmp_path):
    """A double tap on "confirm" (two requests at once with the same token) imports the rows once."""
    import threading

    from django.db import connection
    from django.test import Client

    settings.PARTIES_IMPORT_DIR = tmp_path / "imports-concurrent"
    client = Client()
    client.force_login(alice)
    headers = _headers(client, "members")
    rows = [member_row(f"并发{i}") for i in range(200)]
    token = _token(client.post(reverse("parties:import_members"), {"file": _xlsx(headers, rows)}))
    assert token
    barrier = threading.Barrier(2)
    statuses = []

    def confirm():
        try:
            c = Client()
            c.force_login(alice)
            barrier.wait()
            statuses.append(c.post(reverse("parties:import_members_confirm"), {"token": token}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 302]
    assert Member.objects.filter(name__startswith="并发").count() == 200
