"""The foundation's forms under hostile input (tests/fuzzing.py): sign-in, sign-up by phone, SMS code."""

from __future__ import annotations

import pytest
from django.test import Client

from parkportal.models import SmsMessage, User
from parkportal.roles import Role
from tests.fuzzing import fuzz_form


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Each sign-in attempt hashes a password (also for unknown names); the fuzzing is about the form.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def rows() -> int:
    return User.objects.count() + SmsMessage.objects.count()


@pytest.fixture
def driver(db) -> User:
    return User.objects.create_user(username="fuzz-driver", phone="13800000077", role=Role.DRIVER, phone_verified=True)


def test_sign_in_form_survives_fuzzing(db, alice):
    seen = fuzz_form(Client(), "/accounts/login/", ["login", "password", "remember"], count_rows=rows)
    assert 200 in seen


def test_sign_in_with_a_real_account_name_survives_fuzzing(db, alice):
    seen = fuzz_form(Client(), "/accounts/login/", ["password"], fixed={"login": "alice"}, count_rows=rows, examples=30)
    assert set(seen) <= {200, 400, 429}  # never signed in by a random password


def test_sign_up_by_phone_survives_fuzzing(db):
    fuzz_form(Client(), "/accounts/signup/", ["phone"], count_rows=rows)


def test_request_code_survives_fuzzing(db, driver):
    fuzz_form(Client(), "/accounts/login/code/", ["phone"], count_rows=rows)


def test_nul_in_a_field_is_refused_next_to_the_field_not_500(db, alice):
    """Run on PostgreSQL too: there a NUL reaching a query is a ValueError (a 500)."""
    client = Client()
    response = client.post("/accounts/login/", {"login": "ali\x00ce", "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/signup/", {"phone": "138\x0012345678"})
    assert response.status_code == 200 and response.context["form"].errors["phone"]
    assert client.post("/accounts/login/code/", {"phone": "\x00"}).status_code == 200
    assert client.get("/accounts/login/?next=/\x00").status_code == 200
    assert not User.objects.filter(phone__startswith="138").exists()


def test_nul_where_no_form_can_refuse_it(db):
    client = Client()
    assert client.get("/accounts/login\x00/").status_code == 404  # in the address: no such page
    response = client.post("/accounts/login/", {"log\x00in": "x"})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert client.get("/accounts/login/?a\x00=1").status_code == 400
