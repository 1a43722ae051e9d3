"""Component groups through /v1, including the body shapes each client sends."""

from __future__ import annotations

import pytest

from statuspage.status.models import Component, ComponentGroup

KEYS = {
    "id",
    "page_id",
    "name",
    "description",
    "components",
    "position",
    "created_at",
    "updated_at",
}


@pytest.fixture
def loose(api, db):
    """Two components in no group."""
    return [
        api.post("components", {"component": {"name": name}}).json()["id"]
        for name in ("Web", "API")
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"description": "Channels", "component_group": {"name": "Channels", "components": []}},
        {"component_group": {"name": "Channels", "description": "Channels", "components": []}},
        {"description": "Channels", "components_group": {"name": "Channels", "components": []}},
    ],
    ids=["spec", "inside", "atlassian-python-api"],
)
def test_a_group_is_created_from_each_clients_body(api, loose, body):
    body = {**body}
    inner = body.get("component_group") or body.get("components_group")
    inner["components"] = loose
    response = api.post("component-groups", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) == KEYS
    assert (created["name"], created["description"], created["components"]) == (
        "Channels",
        "Channels",
        loose,
    )
    group = ComponentGroup.objects.get(pk=created["id"])
    assert set(group.components.values_list("pk", flat=True)) == set(loose)


def test_a_group_cannot_be_empty(api, loose):
    response = api.post("component-groups", {"component_group": {"name": "E", "components": []}})
    assert response.status_code == 422
    assert "components" in response.json()["errors"]
    assert not ComponentGroup.objects.exists()


def test_a_component_of_another_group_is_refused(api, components, loose, borrowing):
    response = api.post(
        "component-groups",
        {"component_group": {"name": "Mixed", "components": [loose[0], components["credit"].id]}},
    )
    assert response.status_code == 422
    assert "already belongs" in response.json()["error"]
    assert ComponentGroup.objects.count() == 1
    assert Component.objects.get(pk=loose[0]).group_id is None


def test_patching_members_ungroups_the_ones_left_out(api, components, borrowing):
    keep = [components["identity"].id, components["credit"].id]
    response = api.patch(
        f"component-groups/{borrowing.id}",
        {"component_group": {"name": "Borrowing", "components": keep}},
    )
    assert response.status_code == 200
    assert response.json()["components"] == keep
    assert Component.objects.get(pk=components["limit"].pk).group_id is None
    assert ComponentGroup.objects.get(pk=borrowing.pk).name == "Borrowing"


def test_deleting_a_group_answers_200_with_it_and_keeps_its_components(api, components, borrowing):
    response = api.delete(f"component-groups/{borrowing.id}")
    assert response.status_code == 200
    assert response.json()["id"] == borrowing.id
    assert len(response.json()["components"]) == 4
    assert not ComponentGroup.objects.exists()
    assert Component.objects.filter(group__isnull=True).count() == 5


def test_groups_are_listed_and_fetched(api, borrowing, components):
    (listed,) = api.get("component-groups").json()
    assert listed == api.get(f"component-groups/{borrowing.id}").json()
    assert listed["components"][0] == components["identity"].id
