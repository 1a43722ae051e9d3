"""A line break in a name through the API is a 422 naming the field, in Statuspage's error
shape, and nothing is written (names end up in email subjects)."""

from __future__ import annotations

from statuspage.status.models import Component, Incident, IncidentTemplate, Page


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"]
    assert body["errors"][field] == ["Write this on one line, without line breaks."]
    assert field in body["error"]


def test_creating_an_incident_with_a_line_break_is_refused(api, components):
    response = api.post(
        "incidents", {"incident": {"name": "Checkout\r\nBcc: all@example.com", "body": "Slow."}}
    )
    assert_refused(response, "name")
    assert not Incident.objects.exists()


def test_renaming_an_incident_with_a_line_break_is_refused(api, components):
    opened = api.post("incidents", {"incident": {"name": "Checkout errors", "body": "Slow."}})
    response = api.patch(
        f"incidents/{opened.json()['id']}", {"incident": {"name": "Checkout\u2028errors"}}
    )
    assert_refused(response, "name")
    assert Incident.objects.get().name == "Checkout errors"


def test_renaming_the_page_with_a_line_break_is_refused(api, page):
    response = api.patch(f"/v1/pages/{page.id}", {"page": {"name": "Status\nBcc: x@example.com"}})
    assert_refused(response, "name")
    assert "\n" not in Page.objects.get().name


def test_component_names_are_one_line(api, components):
    created = api.post("components", {"component": {"name": "Repayments\vnow"}})
    assert_refused(created, "name")
    renamed = api.patch(f"components/{components['app'].pk}", {"component": {"name": "App\x1eNew"}})
    assert_refused(renamed, "name")
    assert Component.objects.filter(name_en__contains="\x1e").count() == 0
    assert Component.objects.count() == len(components)


def test_template_titles_are_one_line(api, components):
    response = api.post(
        "incident_templates",
        {"template": {"name": "Bank down", "title": "Payouts\ndelayed", "body": "Bank down."}},
    )
    assert_refused(response, "title")
    assert not IncidentTemplate.objects.exists()
