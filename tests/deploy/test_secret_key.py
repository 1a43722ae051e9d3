"""Several machines share one PostgreSQL: start-up refuses to generate a SECRET_KEY for it, since
each machine would generate its own and reject what the others signed."""

from __future__ import annotations

import os
import subprocess
import sys

POSTGRES = "postgres://statuspage@127.0.0.1:5432/statuspage"


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "RUN_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_postgresql_without_a_secret_key_is_refused_saying_what_to_set(tmp_path):
    result = start(tmp_path, DATABASE_URL=POSTGRES)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "set SECRET_KEY to the same random value on every" in result.stderr
    assert not (tmp_path / "secret_key").exists()  # nothing generated


def test_postgresql_with_a_secret_key_starts(tmp_path):
    assert start(tmp_path, DATABASE_URL=POSTGRES, SECRET_KEY="x" * 50).returncode == 0


def test_sqlite_still_generates_one_for_a_single_machine(tmp_path):
    assert start(tmp_path).returncode == 0
    assert len((tmp_path / "secret_key").read_text().strip()) > 40
