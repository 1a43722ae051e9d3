"""Lists of what we do not have (metrics, metric providers, page access) are empty, not
missing: Statuspage answers 200 [] and clients such as Airbyte's source stop at a 404."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    ["metrics", "metrics_providers.json", "page_access_users", "page_access_groups/"],
)
def test_a_list_of_what_we_do_not_have_is_empty(api, path):
    response = api.get(path)

    assert response.status_code == 200
    assert response.json() == []


def test_past_the_first_page_it_is_still_empty(api):
    assert api.get("metrics_providers", page=3, per_page=50).json() == []


def test_bad_paging_is_refused_as_on_every_list(api):
    assert api.get("metrics", page="zero").status_code == 400


def test_an_unknown_page_is_still_404(api):
    assert api.get("/v1/pages/nosuchpage000/metrics").status_code == 404


def test_a_provider_we_do_not_have_is_404(api):
    assert api.get("metrics_providers/abc123/metrics").status_code == 404
