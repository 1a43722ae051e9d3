"""Components through /v1: listed with their groups, created, changed, deleted."""

from __future__ import annotations

from statuspage.status.models import Component, ComponentGroup, StatusChange

V1_KEYS = {
    "id", "page_id", "group_id", "created_at", "updated_at", "group", "name", "description",
    "position", "status", "showcase", "only_show_if_degraded", "automation_email", "start_date",
}  # fmt: skip


def test_the_list_holds_groups_and_components_in_page_order(api, components, borrowing):
    listed = api.get("components").json()
    assert [c["id"] for c in listed] == [
        borrowing.id,
        *(components[k].id for k in ("identity", "credit", "limit", "disbursement")),
        components["app"].id,
    ]
    assert set(listed[1]) == V1_KEYS
    assert set(listed[0]) == V1_KEYS | {"components"}
    assert listed[0]["group"] is True and listed[1]["group"] is False
    assert listed[1]["group_id"] == borrowing.id


def test_creating_a_component_puts_it_last_and_logs_its_status(api, components, borrowing):
    response = api.post(
        "components",
        {
            "component": {
                "name": "Payments API",
                "description": "Card processing",
                "status": "degraded_performance",
                "group_id": borrowing.id,
                "showcase": False,
                "only_show_if_degraded": True,
                "start_date": "2024-01-15",
            }
        },
    )
    assert response.status_code == 201
    body = response.json()
    stored = Component.objects.get(pk=body["id"])
    assert (stored.name, stored.description, stored.status, stored.group_id) == (
        "Payments API",
        "Card processing",
        "degraded_performance",
        borrowing.id,
    )
    assert (stored.showcase, stored.only_show_if_degraded, str(stored.start_date)) == (
        False,
        True,
        "2024-01-15",
    )
    assert stored.position > components["app"].position
    assert body["status"] == "degraded_performance"
    assert body["start_date"] == "2024-01-15"
    change = StatusChange.objects.get(component=stored)
    assert (change.old_status, change.new_status, change.cause) == (
        "operational",
        "degraded_performance",
        "api",
    )


def test_patching_the_status_changes_the_page(api, components, client, commit):
    response = api.patch(
        f"components/{components['app'].id}", {"component": {"status": "major_outage"}}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "major_outage"
    summary = client.get("/api/v2/summary.json").json()
    assert summary["status"]["indicator"] == "major"


def test_group_id_null_takes_a_component_out_of_its_group(api, components):
    for null in (None, "null"):
        component = components["credit"] if null is None else components["limit"]
        response = api.patch(f"components/{component.id}", {"component": {"group_id": null}})
        assert response.status_code == 200
        assert response.json()["group_id"] is None
        assert Component.objects.get(pk=component.pk).group_id is None


def test_put_is_the_same_as_patch(api, components):
    response = api.put(f"components/{components['app'].id}", {"component": {"name": "Mobile"}})
    assert response.status_code == 200
    assert Component.objects.get(pk=components["app"].pk).name == "Mobile"


def test_getting_one_component_and_one_group_row(api, components, borrowing):
    assert api.get(f"components/{components['app'].id}").json()["name"] == "App"
    row = api.get(f"components/{borrowing.id}").json()
    assert (row["group"], len(row["components"])) == (True, 4)


def test_deleting_a_component_answers_204(api, components):
    response = api.delete(f"components/{components['app'].id}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Component.objects.filter(pk=components["app"].pk).exists()


def test_deleting_a_groups_last_component_deletes_the_group(api, borrowing):
    only = api.post("components", {"component": {"name": "Solo", "group_id": borrowing.id}})
    assert api.delete(f"components/{only.json()['id']}").status_code == 204
    assert not ComponentGroup.objects.filter(pk=borrowing.pk).exists()


def test_a_group_cannot_be_changed_through_components(api, components, borrowing):
    response = api.patch(f"components/{borrowing.id}", {"component": {"name": "X"}})
    assert response.status_code == 422
    assert "component-groups" in response.json()["error"]
    assert api.delete(f"components/{borrowing.id}").status_code == 422
    assert ComponentGroup.objects.get(pk=borrowing.pk).name_zh_hans == "借款窗口"


def test_an_unknown_component_is_404(api, components):
    assert api.get("components/zzzzzzzzzzzz").status_code == 404
    assert api.patch("components/zzzzzzzzzzzz", {"component": {"name": "x"}}).status_code == 404
    assert api.delete("components/zzzzzzzzzzzz").status_code == 404
