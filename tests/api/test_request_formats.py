"""Bodies and paths in every shape Statuspage's clients send them."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from statuspage.status.models import Component, ComponentGroup, Incident


def test_a_rails_form_body_opens_an_incident(api, components):
    disbursement, limit = components["disbursement"].id, components["limit"].id
    body = "&".join(
        [
            "incident[name]=Payouts+failing",
            "incident[body]=" + quote("Banks time out."),
            f"incident[components][{disbursement}]=major_outage",
            f"incident[component_ids][]={limit}",
            "incident[deliver_notifications]=false",
            "incident[metadata][jira][issue_id]=OPS-1",
        ]
    )
    response = api.form("POST", "incidents.json", body)
    assert response.status_code == 201, response.content
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.name == "Payouts failing"
    assert incident.metadata == {"jira": {"issue_id": "OPS-1"}}
    assert set(incident.components.values_list("pk", flat=True)) == {disbursement, limit}
    assert incident.updates.get().deliver_notifications is False
    assert Component.objects.get(pk=disbursement).status == "major_outage"


def test_saltstacks_form_creates_a_component(api, db):
    response = api.form("POST", "components.json", "component[name]=Web&component[showcase]=true")
    assert response.status_code == 201
    assert Component.objects.get().name == "Web"


def test_a_form_group_lists_members_with_brackets(api, components):
    ids = [components["app"].id]
    response = api.form(
        "POST",
        "component-groups",
        f"component_group[name]=Apps&component_group[components][]={ids[0]}",
    )
    assert response.status_code == 201, response.content
    assert ComponentGroup.objects.get(name="Apps").components.get().pk == ids[0]


@pytest.mark.parametrize("content_type", ["", "text/plain;charset=UTF-8"])
def test_json_without_a_json_content_type_is_sniffed(api, components, content_type):
    response = api.client.generic(
        "PATCH",
        api.url(f"components/{components['app'].id}.json"),
        '{"component": {"status": "under_maintenance"}}',
        content_type=content_type,
        headers=api.headers(),
    )
    assert response.status_code == 200, response.content
    assert Component.objects.get(pk=components["app"].pk).status == "under_maintenance"


def test_a_form_without_a_content_type_is_sniffed_too(api, components):
    response = api.client.generic(
        "PATCH",
        api.url(f"components/{components['app'].id}"),
        "component[status]=partial_outage",
        content_type="",
        headers=api.headers(),
    )
    assert response.status_code == 200
    assert Component.objects.get(pk=components["app"].pk).status == "partial_outage"


@pytest.mark.parametrize(
    "template",
    [
        "/v1/pages/{page}/components",
        "/v1/pages/{page}/components/",
        "/v1/pages/{page}/components.json",
        "/api/v1/pages/{page}/components",
        "/api/v1/pages/{page}/components.json/",
    ],
)
def test_writes_are_never_redirected(api, page, template):
    response = api.client.post(
        template.format(page=page.id),
        '{"component": {"name": "Web"}}',
        content_type="application/json",
        headers=api.headers(),
    )
    assert response.status_code == 201
    assert Component.objects.filter(name="Web").count() == 1


def test_bracket_fields_in_the_query_string_fill_in_a_patch(api, components):
    """alexcchan/statuspage sends its fields in the query string of a PATCH."""
    incident = api.post("incidents", {"incident": {"name": "Slow", "body": "Slow."}}).json()
    response = api.client.patch(
        api.url(f"incidents/{incident['id']}.json")
        + "?incident[status]=resolved&incident[message]=Fixed.",
        headers=api.headers(),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    assert response.json()["incident_updates"][0]["body"] == "Fixed."


def test_the_answer_is_json_whatever_accept_says(api, components):
    response = api.client.get(
        api.url("components"), headers={**api.headers(), "Accept": "text/html"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_unknown_v1_paths_are_a_json_404(api, page):
    for path in (f"/v1/pages/{page.id}/nothing", "/v1/nothing", "/api/v1/"):
        response = api.client.get(path, headers=api.headers())
        assert response.status_code == 404
        assert response.json()["error"]


def test_a_method_a_resource_lacks_is_405_in_json(api, page):
    response = api.delete(f"/v1/pages/{page.id}")
    assert response.status_code == 405
    assert "DELETE" in response.json()["error"]
