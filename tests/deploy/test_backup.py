"""deploy/pg-backup: a backup taken while the service runs restores, into an empty database, every
record, and moves the page version past what Redis remembers (so no process keeps serving pages
rendered before the restore). PostgreSQL only."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from statuspage.lib.redis import redis_client
from statuspage.status import pageversion, services
from statuspage.status.models import Component

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "deploy" / "pg-backup"

postgresql_only = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="deploy/pg-backup backs up PostgreSQL; this run is on SQLite (set DATABASE_URL)",
    ),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
        reason="pg_dump/pg_restore are not installed",
    ),
]


def url_of(name: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'] or '', safe='')}{password}@{db['HOST'] or 'localhost'}"
        f":{db['PORT'] or 5432}/{name}"
    )


def run(action: str, file: Path, database: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), action, str(file)],
        env={
            **os.environ,
            "DATABASE_URL": url_of(database),
            "REDIS_URL": settings.REDIS_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            "RUN_DIR": str(settings.RUN_DIR),
        },
        capture_output=True,
        text=True,
        timeout=180,
    )


# Committed data, as pg_dump sees it; serialized like the other end-to-end tests, so that what
# the flush after this test re-creates cannot collide with the next one's restored rows.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = url_of("postgres")
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(admin, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@postgresql_only[0]
@postgresql_only[1]
@committed
def test_a_backup_restores_every_record_and_moves_the_page_version_on(empty_database, tmp_path):
    component = services.save_component(Component(name_en="Disbursement", name_zh_hans="放款"))
    backup = tmp_path / "statuspage.dump"
    taken = run("backup", backup, connection.settings_dict["NAME"])
    assert taken.returncode == 0, taken.stderr
    assert backup.stat().st_size > 0 and not (tmp_path / "statuspage.dump.partial").exists()

    remembered = pageversion.publish(10_000)  # Redis knows versions the backup never saw
    restored = run("restore", backup, empty_database)
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(url_of(empty_database)) as db:
        names = db.execute("SELECT name_en FROM status_component WHERE id = %s", [component.pk])
        assert names.fetchone() == ("Disbursement",)
        [version] = db.execute("SELECT version FROM status_page").fetchone()
    assert version > remembered
    assert int(redis_client().get(pageversion.VERSION_KEY)) == version


@postgresql_only[0]
@postgresql_only[1]
@committed
def test_a_failed_backup_leaves_no_file(tmp_path):
    backup = tmp_path / "statuspage.dump"
    failed = run("backup", backup, "no_such_database_here")
    assert failed.returncode != 0
    assert not backup.exists() and not (tmp_path / "statuspage.dump.partial").exists()


def test_it_refuses_what_is_not_postgresql(tmp_path):
    result = subprocess.run(
        [str(SCRIPT), "backup", str(tmp_path / "x")],
        env={**os.environ, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "not a PostgreSQL URL" in result.stderr
