"""SVG status badges for the page and for each component, to embed in READMEs and dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from statuspage.status import services
from statuspage.status.models import Component

SVG = "{http://www.w3.org/2000/svg}"


def texts(response) -> list[str]:
    root = ET.fromstring(response.content)
    return [t.text for t in root.iter(f"{SVG}text")]


def fills(response) -> set[str]:
    root = ET.fromstring(response.content)
    return {r.get("fill") for r in root.iter(f"{SVG}rect")}


def test_the_page_badge_shows_the_overall_status(client, components, commit):
    response = client.get("/badge.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert texts(response) == ["Status", "All Systems Operational"]
    assert "#1a7f37" in fills(response)

    commit(services.set_component_status, components["disbursement"], "major_outage")
    response = client.get("/badge.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert texts(response) == ["Status", "Partial System Outage"]
    assert "#b54708" in fills(response)


def test_a_component_badge_shows_that_component_in_the_visitor_s_language(
    client, components, commit
):
    commit(services.set_component_status, components["limit"], "degraded_performance")
    url = f"/badge/{components['limit'].pk}.svg"
    assert texts(client.get(url, HTTP_ACCEPT_LANGUAGE="en")) == [
        "Limit allocation",
        "Degraded performance",
    ]
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert texts(chinese)[0] == "额度分配"
    assert "#8a5a00" in fills(chinese)


def test_the_badge_is_wide_enough_for_its_text(client, components):
    short = ET.fromstring(client.get(f"/badge/{components['app'].pk}.svg").content)
    long = ET.fromstring(client.get("/badge.svg", HTTP_ACCEPT_LANGUAGE="en").content)
    assert int(short.get("width")) < int(long.get("width"))


def test_names_are_escaped(client, components, commit):
    app = components["app"]
    app.name_en = "<script>alert(1)</script> & co"
    commit(services.save_component, app)
    response = client.get(f"/badge/{app.pk}.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert b"<script>" not in response.content
    assert texts(response)[0] == "<script>alert(1)</script> & co"


def test_an_unknown_component_has_no_badge(client, components):
    assert client.get("/badge/nosuchthing1.svg").status_code == 404


def test_badges_are_served_from_the_cache(client, components, django_assert_num_queries):
    url = f"/badge/{Component.objects.first().pk}.svg"
    first = client.get(url)
    with django_assert_num_queries(0):
        assert client.get(url).content == first.content
