"""/api/schema/ is built once per process and served from memory with an ETag; the API's
throttle believes X-Forwarded-For only from TRUSTED_PROXIES."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from statuspage.api import schema_view


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    monkeypatch.setattr(schema_view, "_built", {})  # as in a process that has built nothing
    counted: list[int] = []
    real = SchemaGenerator.get_schema

    def get_schema(self, *args, **kwargs):
        counted.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", get_schema)
    return counted


def test_the_schema_is_built_once_and_then_served_from_memory(client, db, builds):
    first = client.get("/api/schema/?format=json")
    for _ in range(5):
        again = client.get("/api/schema/?format=json")
        assert again.content == first.content
    assert len(builds) == 1
    assert first["ETag"] == again["ETag"]
    assert first["Content-Type"].startswith("application/vnd.oai.openapi+json")


def test_a_matching_etag_gets_304(client, db, builds):
    etag = client.get("/api/schema/?format=json")["ETag"]
    again = client.get("/api/schema/?format=json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_each_format_and_language_is_built_once(client, db, builds):
    for _ in range(3):
        client.get("/api/schema/?format=json")
        client.get("/api/schema/")  # YAML
        client.get("/api/schema/?format=json&lang=zh-hans")
        client.get("/api/schema/?format=json&lang=no-such-language")
    assert len(builds) == 3  # json/en, yaml/en, json/zh-hans; an unknown lang is the active one


def test_a_forged_forwarded_for_does_not_escape_the_limit(client, db, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    statuses = [
        client.get("/api/schema/?format=json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert set(statuses[3:]) == {settings.API_RATE_LIMIT_STATUS}


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client, db, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(4):
        response = client.get(
            "/api/schema/?format=json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            REMOTE_ADDR="127.0.0.1",
        )
        assert response.status_code == 200
