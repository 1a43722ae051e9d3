"""Settings come from the environment and a bad value stops start-up, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from statuspage import launcher
from statuspage.lib.env import (
    SettingError,
    env_bool,
    env_database,
    env_float,
    env_int,
    env_rate,
    env_url,
)


def start(**env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as any process of the service does."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "statuspage.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("DEBUG", "maybe"),
        ("PUBLIC_URL", "ftp://status.example.com"),
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("REDIS_URL", "memcached://localhost"),
        ("EMAIL_URL", "pigeon://coop"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("WEB_CONCURRENCY", "0"),
        ("PAGE_VERSION_RECHECK_SECONDS", "-1"),
        ("LOG_LEVEL", "LOUD"),
        ("SUBSCRIBE_RATE_PER_IP", "20/week"),
        ("SUBSCRIBE_RATE_PER_ADDRESS", "0/h"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    result = start(**{name: value})
    assert result.returncode != 0
    assert f"{name}=" in result.stderr
    assert "is not valid" in result.stderr


def test_the_defaults_start(tmp_path):
    assert start(RUN_DIR=str(tmp_path)).returncode == 0


def test_the_launcher_refuses_bad_settings_before_starting_anything():
    result = subprocess.run(
        [sys.executable, "-m", "statuspage.launcher"],
        env={**os.environ, "PORT": "abc"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot start: PORT='abc' is not valid" in result.stderr


@pytest.mark.parametrize(
    ("raw", "rate"),
    [("20/h", (20, 3600)), ("5/10m", (5, 600)), ("1/s", (1, 1)), ("3/2d", (3, 172800))],
)
def test_rates_are_read_as_requests_per_seconds(monkeypatch, raw, rate):
    monkeypatch.setenv("X", raw)
    assert env_rate("X", "1/h") == rate


@pytest.mark.parametrize("raw", ["20/week", "20", "20/", "/h", "0/h", "5/0m", "-1/h"])
def test_a_rate_django_ratelimit_would_misread_is_refused(monkeypatch, raw):
    monkeypatch.setenv("X", raw)
    with pytest.raises(SettingError, match="a rate such as 20/h"):
        env_rate("X", "1/h")


def test_readers_parse_strictly(monkeypatch):
    monkeypatch.setenv("X", "yes")
    assert env_bool("X", False) is True
    monkeypatch.setenv("X", "12")
    assert env_int("X", 1, minimum=10) == 12
    with pytest.raises(SettingError, match=r"X='12' is not valid: expected an integer <= 5"):
        env_int("X", 1, maximum=5)
    monkeypatch.setenv("X", "nan")
    with pytest.raises(SettingError):
        env_float("X", 1.0)
    monkeypatch.setenv("X", "https://status.example.com")
    assert env_url("X", "", schemes=("https",)) == "https://status.example.com"
    monkeypatch.setenv("X", "postgres://postgres@127.0.0.1:5432/statuspage")
    assert env_database("X", "sqlite:////tmp/x")["NAME"] == "statuspage"


def test_unset_or_empty_means_the_default(monkeypatch):
    monkeypatch.delenv("X", raising=False)
    assert env_int("X", 7) == 7
    monkeypatch.setenv("X", "  ")
    assert env_int("X", 7) == 7


@pytest.mark.parametrize(
    ("env", "url"),
    [
        ({"PORT": "8765"}, "http://127.0.0.1:8765"),
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"HOST": "::1"}, "http://[::1]:8000"),
        (
            {"PORT": "8765", "PUBLIC_URL": "https://status.example.com/"},
            "https://status.example.com",
        ),
    ],
)
def test_links_point_where_the_service_is_served_unless_told_otherwise(tmp_path, env, url):
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.PUBLIC_URL)"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "RUN_DIR": str(tmp_path),
        }
        | {k: "" for k in ("HOST", "PORT", "PUBLIC_URL")}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == url, result.stderr


def test_every_task_beat_runs_exists():
    from statuspage.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
    assert len(scheduled) == 10


def test_every_process_make_run_starts_links_to_the_web_servers_address(settings):
    """honcho gives each Procfile process a PORT of its own (the worker 8100, beat 8200): the
    worker's emails and rendered pages must still link to where the web server listens."""
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    env = launcher.process_env()
    worker = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); "
         "from django.conf import settings; print(settings.PUBLIC_URL)"],
        env={**env, "DJANGO_SETTINGS_MODULE": "statuspage.settings", "PORT": "8100"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert worker.stdout.strip() == "http://127.0.0.1:8000", worker.stderr
