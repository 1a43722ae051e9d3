"""Bad input gets a clear error and changes nothing: the state is read back to prove it."""

from __future__ import annotations

import pytest

from statuspage.status.models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentUpdate,
    Page,
    StatusChange,
)


def snapshot() -> dict:
    return {
        "statuses": dict(Component.objects.values_list("pk", "status")),
        "groups": dict(Component.objects.values_list("pk", "group_id")),
        "names": dict(Component.objects.values_list("pk", "name_zh_hans")),
        "group_count": ComponentGroup.objects.count(),
        "incidents": list(Incident.objects.values_list("pk", "status", "name", "impact")),
        "updates": IncidentUpdate.objects.count(),
        "changes": StatusChange.objects.count(),
        "version": Page.objects.get().version,
    }


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage("Payouts slow", body="Slow.", down={"disbursement": "degraded_performance"})


def raw(api, method: str, path: str, body: str, content_type: str = "application/json"):
    return api.client.generic(
        method, api.url(path), body, content_type=content_type, headers=api.headers()
    )


def cases(components, outage, borrowing):
    app, credit = components["app"].id, components["credit"].id
    incident = f"incidents/{outage.id}"
    return {
        "malformed JSON": (
            lambda api: raw(api, "POST", "incidents", '{"incident": {"name": "x",}}'),
            400,
            "not valid JSON",
        ),
        "a body that is not an object": (
            lambda api: raw(api, "POST", "incidents", '["incident"]'),
            400,
            "JSON object",
        ),
        "no envelope": (
            lambda api: api.post("incidents", {"name": "x"}),
            400,
            "incident",
        ),
        "an envelope that is not an object": (
            lambda api: api.post("incidents", {"incident": "x"}),
            422,
            "object",
        ),
        "a number for a name": (
            lambda api: api.post("incidents", {"incident": {"name": 42}}),
            422,
            "name: Expected text, got int",
        ),
        "a string for a flag": (
            lambda api: api.patch(f"components/{app}", {"component": {"showcase": "maybe"}}),
            422,
            "showcase",
        ),
        "a list for components": (
            lambda api: api.post("incidents", {"incident": {"name": "x", "components": [app]}}),
            422,
            "components",
        ),
        "an unknown component": (
            lambda api: api.post(
                "incidents",
                {"incident": {"name": "x", "components": {"zzzzzzzzzzzz": "major_outage"}}},
            ),
            422,
            "No component has the id “zzzzzzzzzzzz”",
        ),
        "a group where a component belongs": (
            lambda api: api.post(
                "incidents", {"incident": {"name": "x", "component_ids": [borrowing.id]}}
            ),
            422,
            "is a component group",
        ),
        "an unknown component status": (
            lambda api: api.patch(incident, {"incident": {"components": {credit: "on_fire"}}}),
            422,
            "on_fire",
        ),
        "an unknown incident status": (
            lambda api: api.patch(incident, {"incident": {"status": "panicking"}}),
            422,
            "panicking",
        ),
        "a maintenance status on an incident": (
            lambda api: api.patch(
                incident,
                {"incident": {"status": "in_progress", "components": {credit: "major_outage"}}},
            ),
            422,
            "status",
        ),
        "an unknown group": (
            lambda api: api.patch(f"components/{app}", {"component": {"group_id": "nope"}}),
            422,
            "No component group has the id “nope”",
        ),
        "a component of another group": (
            lambda api: api.post(
                "component-groups",
                {"component_group": {"name": "Mixed", "components": [app, credit]}},
            ),
            422,
            "already belongs to the group",
        ),
        "a time without a zone": (
            lambda api: api.post(
                "incidents",
                {
                    "incident": {
                        "name": "x",
                        "status": "scheduled",
                        "scheduled_for": "2030-03-01T02:00:00",
                        "scheduled_until": "2030-03-01T04:00:00",
                    }
                },
            ),
            422,
            "zone",
        ),
        "a maintenance that ends before it starts": (
            lambda api: api.post(
                "incidents",
                {
                    "incident": {
                        "name": "x",
                        "status": "scheduled",
                        "scheduled_for": "2030-03-01T04:00:00Z",
                        "scheduled_until": "2030-03-01T02:00:00Z",
                    }
                },
            ),
            422,
            "scheduled_until",
        ),
        "metadata whose values are not objects": (
            lambda api: api.patch(incident, {"incident": {"metadata": {"jira": "OPS-1"}}}),
            422,
            "metadata",
        ),
        "a backfilled incident": (
            lambda api: api.post("incidents", {"incident": {"name": "x", "backfilled": True}}),
            422,
            "Backfilled",
        ),
        "a name that is too long": (
            lambda api: api.post("components", {"component": {"name": "x" * 256}}),
            422,
            "name",
        ),
        "a NUL character": (
            lambda api: api.post(
                "incidents", {"incident": {"name": "x", "metadata": {"a\x00": {"b": "c"}}}}
            ),
            400,
            "NUL",
        ),
        "a NUL character in the path": (
            lambda api: api.get("incidents/abc%00def"),
            400,
            "NUL",
        ),
        "a broken bracket key": (
            lambda api: raw(
                api,
                "POST",
                "components",
                "component=1&component[name]=x",
                "application/x-www-form-urlencoded",
            ),
            400,
            "bracket",
        ),
    }


CASES = [
    "malformed JSON",
    "a body that is not an object",
    "no envelope",
    "an envelope that is not an object",
    "a number for a name",
    "a string for a flag",
    "a list for components",
    "an unknown component",
    "a group where a component belongs",
    "an unknown component status",
    "an unknown incident status",
    "a maintenance status on an incident",
    "an unknown group",
    "a component of another group",
    "a time without a zone",
    "a maintenance that ends before it starts",
    "metadata whose values are not objects",
    "a backfilled incident",
    "a name that is too long",
    "a broken bracket key",
    "a NUL character",
    "a NUL character in the path",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_clearly_and_changes_nothing(api, components, outage, borrowing, case):
    send, status, words = cases(components, outage, borrowing)[case]
    before = snapshot()
    response = send(api)
    assert response.status_code == status, response.content
    body = response.json()
    assert words in body["error"]
    assert body["message"] == body["error"]
    assert snapshot() == before


def test_a_body_over_the_limit_is_413_and_never_read(api, components, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    before = snapshot()
    response = api.post("incidents", {"incident": {"name": "x", "body": "y" * 4096}})
    assert response.status_code == 413
    assert "2048 bytes" in response.json()["error"]
    assert snapshot() == before


def test_a_validation_error_names_every_field(api, components):
    response = api.post(
        "components", {"component": {"name": "", "status": "broken", "start_date": "soon"}}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name", "status", "start_date"}
