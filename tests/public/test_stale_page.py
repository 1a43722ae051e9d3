"""A database outage right after a change: the new version cannot be rendered, so the page's
last good rendering is served, marked stale, and the render is retried after a back-off."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DatabaseError, connection

from statuspage.readpath import publish
from statuspage.readpath.cache import responses
from statuspage.status import services
from statuspage.status.models import Incident

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Take the database away for real: on SQLite its files move aside and a directory stands
    in their place, so opening it fails; elsewhere the connection points at a closed port."""
    connection.close()
    settings = connection.settings_dict
    if connection.vendor != "sqlite":
        port = settings["PORT"]
        settings["PORT"] = "1"
        try:
            yield
        finally:
            connection.close()
            settings["PORT"] = port
        return
    database = Path(settings["NAME"])
    files = [database.with_name(database.name + s) for s in ("", "-wal", "-shm", "-journal")]
    moved = [(f, f.with_name(f.name + ".away")) for f in files if f.exists()]
    for original, away in moved:
        original.rename(away)
    database.mkdir()
    try:
        yield
    finally:
        connection.close()
        database.rmdir()
        for original, away in moved:
            away.rename(original)


@pytest.fixture
def change_then_outage(client, components) -> Iterator[bytes]:
    """The page was rendered, then an incident was opened and the database went away before
    anyone saw the new version. Yields the last good body."""
    good = client.get("/").content
    services.open_incident(
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    with database_unreachable():
        yield good


def test_the_last_good_page_is_served_marked_stale_while_the_database_is_down(
    client, change_then_outage
):
    response = client.get("/")
    assert response.status_code == 200
    assert response["X-Statuspage-Stale"] == "1"
    assert response.content == change_then_outage


def test_another_process_serves_the_last_good_page_from_redis(client, change_then_outage):
    responses.clear()  # a web process that never rendered the page itself
    response = client.get("/")
    assert response.status_code == 200
    assert response["X-Statuspage-Stale"] == "1"
    assert response.content == change_then_outage


def test_the_render_is_retried_after_a_back_off_not_on_every_request(
    client, change_then_outage, caplog
):
    with caplog.at_level(logging.WARNING, logger="statuspage.readpath.cache"):
        for _ in range(5):
            assert client.get("/")["X-Statuspage-Stale"] == "1"
    assert len([r for r in caplog.records if "rendering" in r.getMessage()]) == 1


def test_the_new_version_is_served_once_the_database_is_back(client, components):
    client.get("/")
    services.open_incident(
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    with database_unreachable():
        assert client.get("/")["X-Statuspage-Stale"] == "1"
    time.sleep(1.1)  # the first retry comes a second after the failure
    response = client.get("/")
    assert response.status_code == 200
    assert "X-Statuspage-Stale" not in response
    assert b"Disbursement failing" in response.content


def test_render_on_write_publishes_nothing_it_could_not_render(
    client, components, settings, tmp_path
):
    settings.PUBLISH_DIR = str(tmp_path)
    before = publish.render_and_publish()
    services.open_incident(
        Incident(name="Disbursement failing"),
        body="Payouts are failing.",
        component_statuses={components["disbursement"]: "major_outage"},
    )
    with database_unreachable(), pytest.raises((DatabaseError, publish.NotRendered)):
        publish.render_and_publish()
    assert publish.published_version(tmp_path) == before
