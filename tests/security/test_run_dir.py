"""RUN_DIR holds sessions, webhook secrets, SECRET_KEY and the first operator's password: only
the service's own user may read it, and no file in it is ever readable by others, even for a
moment. The operator's password is printed by the start that creates the account, never again."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from statuspage import launcher
from statuspage.lib.private_files import (
    create_empty_private_file,
    create_private_file,
    private_dir,
    replace_private_file,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def start(run_dir: Path, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with a umask that would make files 0644."""
    return subprocess.run(
        [sys.executable, "-c", "import os; os.umask(0o022); import django; django.setup()"],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "RUN_DIR": str(run_dir),
            "SECRET_KEY": "",
            "DATABASE_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_fresh_run_dir_is_0700_and_its_database_and_key_are_0600(tmp_path):
    run_dir = tmp_path / "run"
    start(run_dir)
    assert mode(run_dir) == 0o700
    assert mode(run_dir / "secret_key") == 0o600
    assert mode(run_dir / "statuspage.sqlite3") == 0o600
    assert len((run_dir / "secret_key").read_text()) >= 50


def test_a_run_dir_left_open_by_an_earlier_version_is_closed(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o755)
    run_dir.chmod(0o755)
    for name in ("secret_key", "statuspage.sqlite3"):
        (run_dir / name).write_text("k" * 60 if name == "secret_key" else "")
        (run_dir / name).chmod(0o644)
    start(run_dir)
    assert mode(run_dir) == 0o700
    assert mode(run_dir / "secret_key") == 0o600
    assert mode(run_dir / "statuspage.sqlite3") == 0o600
    assert (run_dir / "secret_key").read_text() == "k" * 60  # the key in use is kept


def test_the_generated_key_survives_restarts(tmp_path):
    start(tmp_path)
    key = (tmp_path / "secret_key").read_text()
    start(tmp_path)
    assert (tmp_path / "secret_key").read_text() == key


def test_a_secret_file_is_never_visible_with_a_looser_mode_or_half_written(tmp_path):
    """Watch the directory while files are written: every file seen is 0600 and complete."""
    seen: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for entry in os.scandir(tmp_path):
                with contextlib.suppress(FileNotFoundError):  # renamed or removed meanwhile
                    seen.append((entry.name, mode(Path(entry.path)), Path(entry.path).read_text()))

    watcher = threading.Thread(target=watch)
    previous = os.umask(0o022)
    try:
        watcher.start()
        for number in range(200):
            create_private_file(tmp_path / f"key-{number}", "secret" * 100)
            replace_private_file(tmp_path / "login", f"operator\n{number}\n")
    finally:
        stop.set()
        watcher.join()
        os.umask(previous)
    assert seen
    assert {file_mode for _, file_mode, _ in seen} == {0o600}
    assert all(text == "secret" * 100 for name, _, text in seen if name.startswith("key-")), (
        "a key file was seen before it was complete"
    )
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_a_secret_file_that_exists_is_not_overwritten(tmp_path):
    path = tmp_path / "secret_key"
    assert create_private_file(path, "first")
    assert not create_private_file(path, "second")
    assert path.read_text() == "first"


def test_an_empty_database_file_is_made_0600_and_an_existing_one_kept(tmp_path):
    database = tmp_path / "db.sqlite3"
    create_empty_private_file(database)
    assert mode(database) == 0o600 and database.read_bytes() == b""
    database.write_bytes(b"data")
    database.chmod(0o644)
    create_empty_private_file(database)
    assert mode(database) == 0o600 and database.read_bytes() == b"data"


def test_a_private_dir_is_made_with_its_parents(tmp_path):
    nested = private_dir(tmp_path / "a" / "b")
    assert mode(nested) == 0o700


@pytest.fixture
def run_dir(settings, tmp_path) -> Path:
    settings.RUN_DIR = tmp_path / "run"
    # Static files copied, not compressed (brotli over every file costs minutes).
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return settings.RUN_DIR


def test_the_launcher_prints_the_operator_password_only_when_it_creates_the_account(
    db, run_dir, capsys
):
    launcher.prepare()
    first = capsys.readouterr().out
    login = run_dir / "operator-login.txt"
    username, password = login.read_text().split()
    assert f"{username} / {password}" in first
    assert mode(login) == 0o600 and mode(run_dir) == 0o700

    launcher.prepare()
    second = capsys.readouterr().out
    assert password not in second
    assert username in second
    assert f"python manage.py changepassword {username}" in second
