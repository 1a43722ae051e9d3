"""Lists are bare arrays paged with page and per_page (or limit)."""

from __future__ import annotations

import pytest

from statuspage.status import services
from statuspage.status.models import Incident


@pytest.fixture
def many_incidents(db):
    return [services.open_incident(Incident(name=f"Blip {n}"), body="Blip.").id for n in range(105)]


def test_pages_slice_the_list(api, components):
    listed = [c["id"] for c in api.get("components").json()]
    assert [c["id"] for c in api.get("components", per_page=2, page=2).json()] == listed[2:4]
    assert [c["id"] for c in api.get("components", limit=4).json()] == listed[:4]


def test_a_page_past_the_end_is_empty(api, components):
    response = api.get("components", page=50)
    assert (response.status_code, response.json()) == (200, [])
    assert api.get("components", page=10**9).json() == []


def test_an_oversized_page_is_clamped_to_100(api, many_incidents):
    assert len(api.get("incidents", per_page=500).json()) == 100
    assert len(api.get("incidents", limit=1000, page=2).json()) == 5
    assert len(api.get("incidents").json()) == 100


@pytest.mark.parametrize("params", [{"per_page": "abc"}, {"page": "0"}, {"limit": "-3"}])
def test_a_page_that_is_not_a_positive_number_is_refused(api, components, params):
    response = api.get("components", **params)
    assert response.status_code == 400
    assert next(iter(params)) in response.json()["error"]
