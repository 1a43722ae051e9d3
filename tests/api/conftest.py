"""The API's callers: a key that reads and writes (made by the operator), a read-only key, and
a client that sends them the way Statuspage's clients do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from statuspage.api.models import ApiKey
from statuspage.status.models import Page
from tests.api.clients import Api


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
