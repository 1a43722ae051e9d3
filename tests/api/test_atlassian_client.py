"""A real Statuspage client, atlassian-python-api's StatusPage, against a real server.

It authenticates with `Bearer`, sends `per_page` to the incident list, POSTs postmortems,
spells the group key `components_group` and calls `incidents_update`: each of its departures
from Statuspage's spec has to work, since its users cannot change it.
"""

from __future__ import annotations

import gc
import threading

import pytest
import requests
from atlassian.statuspage import StatusPage

from statuspage.status.models import Component, Incident
from tests.api.statuspage_reader import read_summary

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def summary(live_server):
    response = requests.get(f"{live_server.url}/api/v2/summary.json", timeout=10)
    assert response.status_code == 200
    return read_summary(response.content)


@pytest.fixture
def connect(live_server):
    """The client; afterwards its kept-alive connections are closed and the server's request
    threads are waited for, so none holds a database session past the test."""
    opened: list[StatusPage] = []
    before = set(threading.enumerate())  # the live server is shared: wait only for ours

    def make(key: str) -> StatusPage:
        opened.append(StatusPage(url=live_server.url, token=key))
        return opened[-1]

    yield make
    for client in opened:
        client.close()
    gc.collect()  # a response kept by a traceback keeps its socket open until collected
    for thread in set(threading.enumerate()) - before:
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


def test_an_incident_is_opened_updated_and_resolved_through_the_client(
    live_server, connect, key, page
):
    statuspage = connect(key)
    (listed_page,) = statuspage.page_list_pages()
    page_id = listed_page["id"]
    assert page_id == page.id

    component = statuspage.page_create_component(
        page_id,
        {"name": "Card payments", "description": "Card processing", "status": "operational"},
    )
    group = statuspage.page_create_component_group(
        page_id, "Payments", {"name": "Payments", "components": [component["id"]]}
    )
    assert group["components"] == [component["id"]]

    incident = statuspage.page_create_incident(
        page_id,
        {
            "name": "Card payments failing",
            "status": "investigating",
            "body": "Card payments are failing for some customers.",
            "components": {component["id"]: "partial_outage"},
            "component_ids": [component["id"]],
        },
    )
    seen = summary(live_server)
    assert [i.id for i in seen.incidents] == [incident["id"]]
    assert (seen.indicator, seen.description) == ("major", "Partial System Outage")
    assert seen.incidents[0].components[0].status == "partial_outage"

    updated = statuspage.page_update_incident(
        page_id, incident["id"], {"status": "identified", "body": "A bad deploy; rolling back."}
    )
    first_update = updated["incident_updates"][0]
    statuspage.page_update_incident_updates(
        page_id,
        incident["id"],
        first_update["id"],
        {"body": "A bad deploy of the card gateway; rolling back."},
    )
    statuspage.page_update_incident(
        page_id,
        incident["id"],
        {
            "status": "resolved",
            "body": "Rolled back.",
            "components": {component["id"]: "operational"},
        },
    )
    statuspage.page_create_postmortem(page_id, incident["id"], "## What happened\nA bad deploy.")
    statuspage.page_publish_postmortem(page_id, incident["id"], {"notify_subscribers": False})

    assert statuspage.page_list_unresolved_incidents(page_id) == []
    (found,) = statuspage.page_list_incidents(page_id, q="card payments", per_page=10)
    assert (found["id"], found["status"]) == (incident["id"], "postmortem")
    assert [u["status"] for u in found["incident_updates"]] == [
        "resolved",
        "identified",
        "investigating",
    ]
    assert found["incident_updates"][1]["body"] == "A bad deploy of the card gateway; rolling back."

    seen = summary(live_server)
    assert seen.incidents == []
    assert (seen.indicator, seen.description) == ("none", "All Systems Operational")
    (row,) = [c for c in seen.components if c.id == group["id"]]
    assert (row.is_group, row.members) == (True, [component["id"]])
    assert Component.objects.get(pk=component["id"]).status == "operational"
    assert Incident.objects.get(pk=incident["id"]).postmortem_published_at is not None


def test_a_bad_key_is_refused_to_the_client(connect, page):
    statuspage = connect("not-a-key")
    try:
        statuspage.page_list_pages()
    except requests.HTTPError as refused:
        status, body = refused.response.status_code, refused.response.json()
    else:
        pytest.fail("the client accepted a bad key")
    assert (status, body) == (401, {"error": "Could not authenticate"})
