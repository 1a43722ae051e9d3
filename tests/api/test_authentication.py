"""Keys: sent any way Statuspage's clients send them; refused with Statuspage's body."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from statuspage.api.models import ApiKey
from statuspage.status.models import Component, StatusChange

COMPONENTS = "components"


@pytest.mark.parametrize(
    "header", ["OAuth {key}", "oauth {key}", "Bearer {key}", "{key}", "Token {key}"]
)
def test_every_header_form_clients_send_is_accepted(api, key, header):
    response = Client().get(api.url(COMPONENTS), headers={"Authorization": header.format(key=key)})
    assert response.status_code == 200


def test_the_key_may_come_in_the_query_string(api, key):
    assert Client().get(api.url(COMPONENTS), {"api_key": key}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "OAuth not-a-key"},
        {"Authorization": "Basic b2xnYTpwYXNzd29yZA=="},
        {"Authorization": "OAuth"},
    ],
)
def test_a_missing_or_unknown_key_gets_statuspages_401(api, headers):
    response = Client().get(api.url(COMPONENTS), headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Could not authenticate"}
    assert response["WWW-Authenticate"].startswith("OAuth")


def test_an_unknown_page_is_404_only_after_authentication(api):
    assert Client().get("/v1/pages/aaaaaaaaaaaa/components").status_code == 401
    response = api.get("/v1/pages/aaaaaaaaaaaa/components")
    assert response.status_code == 404
    assert response.json()["error"] == "The requested resource could not be found."


def test_a_read_only_key_reads_but_may_not_write(reader, components):
    assert reader.get(COMPONENTS).status_code == 200
    response = reader.patch(
        f"components/{components['app'].id}", {"component": {"status": "major_outage"}}
    )
    assert response.status_code == 403
    assert "only read" in response.json()["error"]
    assert Component.objects.get(pk=components["app"].pk).status == "operational"
    assert not StatusChange.objects.filter(component=components["app"]).exists()


def test_a_write_only_key_may_not_read(api, integrator):
    _, key = ApiKey.issue(name="writer", scopes=["write"], created_by=integrator)
    response = Client().get(api.url(COMPONENTS), headers={"Authorization": f"OAuth {key}"})
    assert response.status_code == 403


def test_only_a_hash_of_the_key_is_stored(key):
    stored = ApiKey.objects.get()
    assert key not in (stored.hashed_key, stored.prefix)
    assert key.startswith(stored.prefix)
    assert len(stored.hashed_key) == 64
    assert ApiKey.objects.find(key) == stored
    assert ApiKey.objects.find(key[:-1] + ("0" if key[-1] != "0" else "1")) is None


def test_use_is_recorded_at_most_once_a_minute(api):
    assert ApiKey.objects.get().last_used_at is None
    api.get(COMPONENTS)
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    api.get(COMPONENTS)
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.update(last_used_at=timezone.now() - timezone.timedelta(minutes=2))
    api.get(COMPONENTS)
    assert ApiKey.objects.get().last_used_at > first


def test_api_writes_are_recorded_as_the_keys_creator(api, components, integrator):
    api.patch(f"components/{components['app'].id}", {"component": {"status": "partial_outage"}})
    change = StatusChange.objects.get(component=components["app"])
    assert (change.actor, change.cause) == (integrator.username, "api")


def test_errors_speak_the_callers_language_while_data_stays_in_the_default(api, components):
    def error_in(language: str) -> list[str]:
        response = api.client.post(
            api.url(COMPONENTS),
            '{"component": {"name": 5}}',
            content_type="application/json",
            headers={**api.headers(), "Accept-Language": language},
        )
        assert response.status_code == 422
        return response.json()["errors"]["name"]

    assert error_in("zh-CN") == ["应为文本，实际为 int。"]
    assert error_in("en") == ["Expected text, got int."]
    created = api.client.post(
        api.url(COMPONENTS),
        '{"component": {"name": "Payments"}}',
        content_type="application/json",
        headers={**api.headers(), "Accept-Language": "en"},
    )
    component = Component.objects.get(pk=created.json()["id"])
    # the API has one name: it becomes the name in every language
    assert (component.name_zh_hans, component.name_en) == ("Payments", "Payments")
