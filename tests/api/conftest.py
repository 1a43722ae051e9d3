"""The API's callers: a key that reads and writes (made by the operator), a read-only key, and
a client that sends them the way Statuspage's clients do."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from statuspage.api.models import ApiKey
from statuspage.status.models import Page


@dataclass
class Api:
    """The test client speaking to /v1 with a key; `path` is relative to our page."""

    client: Client
    page_id: str
    key: str

    def url(self, path: str) -> str:
        return path if path.startswith("/") else f"/v1/pages/{self.page_id}/{path}"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"OAuth {self.key}", **extra}

    def get(self, path: str, **params: Any):
        return self.client.get(self.url(path), params, headers=self.headers())

    def send(self, method: str, path: str, body: object = None, **headers: str):
        data = b"" if body is None else json.dumps(body)
        return self.client.generic(
            method,
            self.url(path),
            data,
            content_type="application/json",
            headers=self.headers(**headers),
        )

    def post(self, path: str, body: object = None):
        return self.send("POST", path, body)

    def patch(self, path: str, body: object = None):
        return self.send("PATCH", path, body)

    def put(self, path: str, body: object = None):
        return self.send("PUT", path, body)

    def delete(self, path: str):
        return self.send("DELETE", path)

    def form(self, method: str, path: str, body: str):
        return self.client.generic(
            method,
            self.url(path),
            body,
            content_type="application/x-www-form-urlencoded",
            headers=self.headers(),
        )


@pytest.fixture
def page(db) -> Page:
    return Page.get()


@pytest.fixture
def integrator(db) -> User:
    """The operator who made the keys (no password: hashing one costs half a second)."""
    user = User.objects.create_user("ines", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name="Operator"))
    return user


@pytest.fixture
def key(integrator) -> str:
    return ApiKey.issue(name="alerting", scopes=["read", "write"], created_by=integrator)[1]


@pytest.fixture
def read_only_key(integrator) -> str:
    return ApiKey.issue(name="dashboard", scopes=["read"], created_by=integrator)[1]


@pytest.fixture
def api(page, key) -> Api:
    return Api(Client(headers={"Accept-Language": "en"}), page.id, key)


@pytest.fixture
def reader(page, read_only_key) -> Api:
    return Api(Client(headers={"Accept-Language": "en"}), page.id, read_only_key)
