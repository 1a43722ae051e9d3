"""/healthz reports the database, cache and broker: which is down to anyone, why only to
operators."""

from __future__ import annotations

import pytest
import redis
from django.contrib.auth.models import User

from statuspage.celery import app as celery_app
from statuspage.lib import redis as project_redis


def test_all_is_well(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.fixture
def redis_unreachable(monkeypatch) -> None:
    monkeypatch.setattr(
        project_redis,
        "_client",
        redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
    )
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")


def test_an_unreachable_redis_is_a_503_that_names_it_and_says_nothing_more(
    client, db, redis_unreachable
):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "down", "broker": "down"}
    assert b"127.0.0.1" not in response.content
    assert b"Error" not in response.content


def test_staff_who_are_not_operators_see_no_more_than_anyone(client, outsider, redis_unreachable):
    client.force_login(outsider)
    assert "errors" not in client.get("/healthz").json()


def test_an_operator_also_sees_why(operator_client, redis_unreachable):
    body = operator_client.get("/healthz").json()
    assert body["cache"] == "down"
    assert "127.0.0.1" in body["errors"]["cache"]
    assert "database" not in body["errors"]


def test_a_superuser_also_sees_why(client, db, redis_unreachable):
    client.force_login(User.objects.create_superuser("root", password="root-password-1"))
    assert "Error" in client.get("/healthz").json()["errors"]["broker"]
