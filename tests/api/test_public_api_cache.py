"""Public JSON comes from the page-version cache: an unchanged page costs no query."""

from __future__ import annotations

import pytest

from statuspage.status import services
from statuspage.status.models import Incident
from tests.api.clients import ENDPOINTS


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unchanged_page_costs_zero_queries(client, components, django_assert_num_queries, path):
    first = client.get(path)
    with django_assert_num_queries(0):
        second = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert second.content == first.content


def test_a_matching_etag_gets_304(client, components):
    etag = client.get("/api/v2/summary.json")["ETag"]
    again = client.get("/api/v2/summary.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_a_write_is_in_the_next_response(client, components, commit):
    before = client.get("/api/v2/summary.json")
    commit(
        services.open_incident,
        Incident(name="Credit checks slow"),
        body="Slow.",
        component_statuses={components["credit"]: "degraded_performance"},
    )
    after = client.get("/api/v2/summary.json", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["status"]["description"] == "Partially Degraded Service"
    assert after.json()["incidents"][0]["name"] == "Credit checks slow"
