"""/healthz reports the database, cache and broker."""

from __future__ import annotations

import redis

from statuspage.celery import app as celery_app
from statuspage.lib import redis as project_redis


def test_all_is_well(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_an_unreachable_redis_is_a_503_that_names_it(client, db, monkeypatch):
    monkeypatch.setattr(
        project_redis,
        "_client",
        redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
    )
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["cache"].startswith("error")
    assert body["broker"].startswith("error")
