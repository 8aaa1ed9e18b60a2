"""Security settings and behaviour, checked the way an attacker or an auditor would see them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from parkportal.models import SmsMessage, User
from parkportal.roles import Role

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-like-" + "k3y" * 20,
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def run_prod(code: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    drop = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in drop}
    env = {**base, "DJANGO_SETTINGS_MODULE": "parkportal.settings", **PROD_ENV, **(extra_env or {})}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


# --- check --deploy and the production headers
def test_check_deploy_is_clean_with_production_settings():
    result = run_prod(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PROD_REQUEST = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="portal.example.org")
plain = client.get("/accounts/login/")
secure = client.get("/healthz", secure=True)
health = client.get("/healthz")
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "hsts": secure.get("Strict-Transport-Security", ""),
    "health_status": health.status_code,
    "session_secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
}))
"""


def test_production_redirects_to_https_with_hsts_and_secure_cookies():
    result = run_prod(PROD_REQUEST)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain_status"] == 301 and seen["plain_location"].startswith("https://")
    assert "max-age=31536000" in seen["hsts"] and "includeSubDomains" in seen["hsts"]
    assert seen["session_secure"] and seen["csrf_secure"] and seen["session_httponly"]
    # The load balancer's health check may come over plain HTTP inside the network.
    assert seen["health_status"] in (200, 503)


def test_pages_carry_a_strict_csp_and_frame_and_referrer_headers(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle=\"", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)
# Static pages served without our CSP (the 503 page is rendered when nothing else works).
# 500.html carries a style="" attribute: under the CSP the browser ignores it (the page stays readable);
# these two pages are rendered when nothing else works and stay free of template tags.
SELF_CONTAINED = {"503.html", "500.html"}


def test_no_template_has_inline_script_style_or_event_handlers():
    problems = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            if path.name in SELF_CONTAINED:
                continue
            text = path.read_text(encoding="utf-8")
            for pattern, what in (
                (INLINE_SCRIPT, "inline <script>"),
                (INLINE_STYLE, "style="),
                (INLINE_HANDLER, "on…="),
            ):
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, "CSP forbids these:\n" + "\n".join(problems)


def test_the_scanner_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/x.js"></script>')
    assert INLINE_STYLE.search('<p style="color:red">') and INLINE_HANDLER.search('<a onclick="x()">')


# --- rate limits and code guessing
def test_failed_sign_ins_are_stopped_after_the_limit(client, alice):
    # ACCOUNT_RATE_LIMITS["login_failed"]: 5 failures per 5 minutes for one account.
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session, "the right password got in after the limit"
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"})
        assert response.status_code == 302


def test_sms_codes_are_stopped_after_the_limit(client, db):
    User.objects.create_user(username="d1", phone="13800000011", role=Role.DRIVER, phone_verified=True)
    statuses = []
    for _ in range(6):
        statuses.append(client.post("/accounts/login/code/", {"phone": "13800000011"}).status_code)
        client.cookies.clear()
    assert SmsMessage.objects.filter(phone="13800000011").count() == 3
    assert statuses[:3] == [302, 302, 302]
    assert all(s in (200, 429) for s in statuses[3:])


def test_a_code_is_dead_after_three_wrong_guesses(client, db):
    User.objects.create_user(username="d2", phone="13800000012", role=Role.DRIVER, phone_verified=True)
    response = client.post("/accounts/login/code/", {"phone": "13800000012"})
    assert response.status_code == 302
    confirm = response["Location"]
    code = re.search(r"(\d{6})", SmsMessage.objects.get(phone="13800000012").body).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(3):
        client.post(confirm, {"code": wrong})
    response = client.post(confirm, {"code": code})
    assert "_auth_user_id" not in client.session, "the right code worked after 3 wrong guesses"


# --- sessions
def test_staff_sessions_expire(client, alice):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE or settings.SESSION_COOKIE_AGE
    client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"})
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)):
        response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- two-factor sign-in (TOTP) for park administrators
def current_code(secret: str) -> str:
    """What the administrator's authenticator app shows now (RFC 6238, allauth's own HOTP helper)."""
    import time

    from allauth.mfa import app_settings

    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def test_park_admin_menu_links_two_factor_sign_in(client, alice, ian):
    client.force_login(alice)
    assert 'href="/accounts/2fa/"' in client.get("/").content.decode()
    client.force_login(ian)
    assert 'href="/accounts/2fa/"' not in client.get("/").content.decode()


def test_park_admin_turns_on_totp_and_then_sign_in_asks_for_the_code(client, alice):
    assert client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"}).status_code == 302
    assert client.get("/accounts/2fa/").status_code == 200
    response = client.get("/accounts/2fa/totp/activate/")
    if response.status_code == 302:  # allauth asks to confirm the password before adding a factor
        assert response["Location"].startswith("/accounts/reauthenticate/")
        assert client.post(response["Location"], {"password": "pw-for-tests-123"}).status_code == 302
        response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(
        "/accounts/2fa/totp/activate/", {"code": "000000" if current_code(secret) != "000000" else "111111"}
    )
    assert response.status_code == 200 and not Authenticator.objects.filter(user=alice).exists()
    with time_machine.travel(timezone.now(), tick=False):  # no period boundary between computing and checking
        response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302, response.context["form"].errors
    assert Authenticator.objects.filter(user=alice, type=Authenticator.Type.TOTP).exists()

    client.post("/accounts/logout/")
    response = client.post("/accounts/login/", {"login": "alice", "password": "pw-for-tests-123"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session, "the password alone signed in"
    assert client.get("/").status_code == 302
    # A wrong code keeps her out; her app's code half a minute later (a fresh one: codes are single-use)
    # lets her in.
    client.post("/accounts/2fa/authenticate/", {"code": "12345"})
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
        assert response.status_code == 302
        assert client.get("/").status_code == 200


# --- uploaded media are never a page of ours
@pytest.mark.parametrize(
    "name, body, inline",
    [
        ("evil.html", b"<html><script>alert(document.cookie)</script></html>", False),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', False),
        ("photo.jpg", b"\xff\xd8\xff\xe0 not really", True),
    ],
)
def test_media_are_never_served_as_html(client, db, settings, name, body, inline):
    settings.DEBUG = True
    media = Path(settings.MEDIA_ROOT) / "security-test"
    media.mkdir(parents=True, exist_ok=True)
    (media / name).write_bytes(body)
    response = client.get(f"/media/security-test/{name}")
    assert response.status_code == 200
    assert "html" not in response["Content-Type"] and "svg" not in response["Content-Type"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    disposition = response.get("Content-Disposition", "")
    assert disposition.startswith("attachment") is not inline


def test_django_serves_no_media_without_debug(client, db, settings):
    settings.DEBUG = False
    media = Path(settings.MEDIA_ROOT) / "security-test"
    media.mkdir(parents=True, exist_ok=True)
    (media / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    assert client.get("/media/security-test/photo.jpg").status_code == 404


# --- secrets only from the environment
SECRET_NAME = re.compile(
    r"^\s*([A-Z_]*(SECRET_KEY|SECRET|PASSWORD|TOKEN|API_KEY|ACCESS_KEY))\s*=\s*(.+)$", re.MULTILINE
)


def test_settings_take_secrets_from_the_environment_only():
    text = (ROOT / "parkportal" / "settings.py").read_text()
    for name, _, value in SECRET_NAME.findall(text):
        if name == "SECRET_KEY" and value.startswith('"insecure-development-key'):
            continue  # the documented DEBUG-only fallback; settings refuse to start without SECRET_KEY otherwise
        assert "os.environ" in value or value.strip() in ('""', "''"), f"{name} = {value}"


def test_no_secret_looking_literals_in_the_code():
    pattern = re.compile(r"(sk_live_|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|xox[bp]-)")
    hits = []
    for path in ROOT.rglob("*"):
        if any(
            part in (".venv", "node_modules", ".git", "var", "staticfiles", "test-artifacts") for part in path.parts
        ):
            continue
        if path == Path(__file__):
            continue
        if path.is_file() and path.suffix in (".py", ".env", ".example", ".md", ".sh", ".yml", ".toml", ".cfg", ".ini"):
            if pattern.search(path.read_text(errors="ignore")):
                hits.append(str(path.relative_to(ROOT)))
    assert not hits
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^SECRET_KEY=\s*(#|$)", example, re.MULTILINE), ".env.example must not carry a secret"
