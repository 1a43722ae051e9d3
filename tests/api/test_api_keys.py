"""Operators make keys in the console (shown once) and scripts make them with a command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from statuspage.api.models import ApiKey

ADD = "/admin/api/apikey/add/"


@pytest.fixture
def console(integrator) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(integrator)
    return client


def test_an_operator_makes_a_key_and_sees_it_once(console, page, integrator):
    response = console.post(ADD, {"name": "Alertmanager bridge", "scopes": ["read", "write"]})
    assert response.status_code == 200
    key = response.context["key"]
    stored = ApiKey.objects.get()
    assert (stored.name, stored.scopes, stored.created_by) == (
        "Alertmanager bridge",
        ["read", "write"],
        integrator,
    )
    assert key in response.content.decode()
    assert ApiKey.objects.find(key) == stored

    change_page = console.get(f"/admin/api/apikey/{stored.pk}/change/").content.decode()
    assert key not in change_page
    assert stored.prefix in change_page
    listing = console.get("/admin/api/apikey/").content.decode()
    assert key not in listing
    assert Client().get(f"/v1/pages/{page.id}", {"api_key": key}).status_code == 200


def test_a_key_needs_a_scope(console):
    response = console.post(ADD, {"name": "Nothing", "scopes": []})
    assert response.status_code == 200
    assert "key" not in response.context
    assert not ApiKey.objects.exists()


def test_deleting_a_key_revokes_it(console, key, page):
    stored = ApiKey.objects.get()
    console.post(f"/admin/api/apikey/{stored.pk}/delete/", {"post": "yes"})
    assert Client().get(f"/v1/pages/{page.id}", {"api_key": key}).status_code == 401


def test_staff_who_are_not_operators_cannot_see_keys(outsider, key):
    client = Client()
    client.force_login(outsider)
    assert client.get("/admin/api/apikey/").status_code == 403


def test_the_command_prints_a_working_key_and_nothing_else(page, integrator):
    out = StringIO()
    call_command(
        "create_api_key", "--scopes", "read", "--name", "grafana", "--user", "ines", stdout=out
    )
    key = out.getvalue().strip()
    stored = ApiKey.objects.get()
    assert ApiKey.objects.find(key) == stored
    assert (stored.scopes, stored.name, stored.created_by) == (["read"], "grafana", integrator)


@pytest.mark.parametrize("scopes", ["admin", "", "read,delete"])
def test_the_command_refuses_unknown_scopes(db, scopes):
    with pytest.raises(CommandError, match="--scopes"):
        call_command("create_api_key", "--scopes", scopes, stdout=StringIO())
    assert not ApiKey.objects.exists()


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_key", "--user", "nobody", stdout=StringIO())
    assert not ApiKey.objects.exists()
