"""Other sites read /api/v2 and subscribe through it (se-v2.js) from the browser."""

from __future__ import annotations

import pytest

LENDER = "https://www.lender.example"


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_se_v2_js_may_subscribe_and_unsubscribe_from_another_site(client, db, method):
    preflight = client.options(
        "/api/v2/subscribers.json",
        HTTP_ORIGIN=LENDER,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert method in preflight["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight  # never with cookies


def test_the_answer_itself_may_be_read_by_the_other_site(client, components):
    response = client.post(
        "/api/v2/subscribers.json",
        "subscriber[email]=ana@example.com",
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN=LENDER,
    )
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_management_api_is_not_open_to_other_sites(client, db):
    preflight = client.options(
        "/v1/pages/x/incidents", HTTP_ORIGIN=LENDER, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in preflight
