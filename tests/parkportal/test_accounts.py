import re

import pytest
from django.core.cache import cache

from parkportal.models import SmsMessage, User
from parkportal.roles import Role


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_sign_in_page_is_chinese_by_default(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_english_is_selectable(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html
    assert "Sign In" in html


def test_staff_sign_in_with_username_and_password(client, alice):
    response = client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_driver_signs_up_and_in_by_sms_code(client, db):
    response = client.post("/accounts/signup/", {"phone": "138 1234 5678"})
    assert response.status_code == 302
    sms = SmsMessage.objects.get(phone="13812345678")
    code = re.search(r"(\d{6})", sms.body).group(1)
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    user = User.objects.get(phone="13812345678")
    assert user.role == Role.DRIVER
    assert user.phone_verified


def test_bad_phone_is_refused_next_to_the_field(client, db):
    response = client.post("/accounts/signup/", {"phone": "12345"})
    assert response.status_code == 200
    assert "11-digit" in response.content.decode() or "11位" in response.content.decode()
    assert not User.objects.exists()


def test_sign_in_code_requests_are_rate_limited(client, db):
    User.objects.create_user(username="d1", phone="13800000001", role=Role.DRIVER)
    for _ in range(5):
        response = client.post("/accounts/login/code/", {"phone": "13800000001"})
        client.cookies.clear()
    # allauth allows 3 codes a minute per number: the 4th and 5th requests send nothing.
    assert SmsMessage.objects.filter(phone="13800000001").count() == 3
    assert response.status_code in (200, 429)
    assert response.status_code == 429 or response.context["form"].errors


def test_dev_sms_page_is_debug_only(client, db, settings):
    settings.DEBUG = False
    assert client.get("/dev/sms/").status_code == 404
