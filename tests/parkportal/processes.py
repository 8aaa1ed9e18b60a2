"""Django in a process of its own, for what is settled when the settings are imported (DEBUG, Redis, the toolbar)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_django(code: str, env: dict, *, unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run `code` with `python -c` from the project's root under parkportal.settings, with this process's environment
    less `unset`, plus `env`."""
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "parkportal.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def django_json(code: str, env: dict, *, unset: tuple[str, ...] = ()):
    """The JSON `code` prints last, asserting that the process succeeded."""
    result = run_django(code, env, unset=unset)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
