"""Management API answers hold subscribers' addresses and webhook secrets: no browser or proxy
may keep them (`Cache-Control: no-store`), whatever the answer."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/v1/pages/{page}/components",
        "/api/v1/pages/{page}/components",
        "/v1/pages/{page}/components.json",
        "/v1/pages/{page}/no-such-thing",
        "/v1/pages",
    ],
)
def test_management_api_answers_are_never_stored(api, components, path):
    response = api.get(path.format(page=api.page_id))
    assert response["Cache-Control"] == "no-store"


def test_even_a_refused_management_api_request_is_not_stored(client, db):
    response = client.get("/v1/pages")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"
