"""Logs: one line per request with its time and status, errors with their traceback, no personal data."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()


def all_text(caplog) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


def test_one_line_per_request_with_status_and_time(client, db, caplog):
    caplog.set_level(logging.INFO, logger="parkportal.requests")
    client.get("/healthz")
    lines = [r.getMessage() for r in caplog.records if r.name == "parkportal.requests"]
    assert len(lines) == 1
    assert re.fullmatch(r"GET /healthz 200 \d+\.\dms user=-", lines[0]), lines[0]


def test_phone_numbers_in_query_strings_and_forms_are_not_logged(client, db, caplog):
    caplog.set_level(logging.DEBUG)
    client.get(f"/accounts/login/?phone={PHONE}&next=/?q={PHONE}")
    client.post("/accounts/signup/", {"phone": PHONE})
    client.post("/accounts/login/code/", {"phone": PHONE})
    client.post("/accounts/login/", {"login": PHONE, "password": "wrong"})
    assert caplog.records, "nothing was logged at all"
    assert PHONE not in all_text(caplog)
    assert "138 1234 5678" not in all_text(caplog)


def test_errors_are_logged_with_a_traceback_and_without_personal_data(db, caplog, settings):
    settings.ROOT_URLCONF = "tests.parkportal.urls_boom"
    caplog.set_level(logging.INFO)
    client = Client(raise_request_exception=False)
    response = client.get(f"/boom/x/?phone={PHONE}")
    assert response.status_code == 500
    assert "Traceback" not in response.content.decode() and "boom in a view" not in response.content.decode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "django.request"]
    assert errors and errors[0].exc_info and errors[0].exc_info[0] is RuntimeError
    request_lines = [r.getMessage() for r in caplog.records if r.name == "parkportal.requests"]
    assert request_lines == [request_lines[0]] and " 500 " in request_lines[0]
    assert PHONE not in all_text(caplog)


def test_production_logging_sends_errors_with_tracebacks_to_the_console():
    from django.conf import settings as django_settings

    config = django_settings.LOGGING
    assert config["loggers"]["django"]["handlers"] == ["console"]
    assert config["loggers"]["parkportal.requests"]["propagate"] is False
    assert "%(asctime)s" in config["formatters"]["plain"]["format"]
