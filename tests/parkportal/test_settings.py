import os
import subprocess
import sys
from pathlib import Path

from tests.parkportal.processes import run_django

ROOT = Path(__file__).resolve().parents[2]


def run_settings(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return run_django(code, env, unset=("DEBUG", "SECRET_KEY"))


def test_debug_is_off_unless_set_and_secret_key_is_then_required():
    result = run_settings({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_with_secret_key_starts():
    result = run_settings({"SECRET_KEY": "x" * 60})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_on_needs_no_secret_key():
    result = run_settings({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def _manage(*args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    return subprocess.run([sys.executable, "manage.py", *args], env=base, cwd=ROOT, capture_output=True, text=True)


def test_makemigrations_check_runs_on_a_bare_checkout_but_serving_commands_still_need_the_secret():
    """makemigrations signs nothing: it runs without SECRET_KEY. Every other command still refuses, in one line."""
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    refused = _manage("check")
    assert refused.returncode != 0
    assert refused.stderr.strip() == (
        "manage.py: SECRET_KEY is not set. Set it in the environment (see .env.example), "
        "or set DEBUG=1 for local development."
    )


def test_the_release_prefixes_the_shared_cache_and_follows_the_checkout(tmp_path):
    """An upgrade must not serve what the previous release cached (markup or scope may have changed)."""
    from pathlib import Path

    from parkportal.settings import git_release

    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text("# pack-refs with: peeled\n" + "a" * 40 + " refs/heads/main\n")
    assert git_release(tmp_path) == "a" * 12
    (git / "refs" / "heads" / "main").write_text("b" * 40 + "\n")  # a loose ref wins over the packed one
    assert git_release(tmp_path) == "b" * 12
    (git / "HEAD").write_text("c" * 40 + "\n")  # detached
    assert git_release(tmp_path) == "c" * 12
    assert git_release(tmp_path / "nowhere") == ""
    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists():
        assert len(git_release(root)) == 12
