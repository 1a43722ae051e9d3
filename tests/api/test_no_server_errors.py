"""No input gives a 500: odd paging values on every /v1 list, deeply nested or huge JSON, NUL
bytes and invalid UTF-8 each get a 400, 404 or 422 that says what is wrong."""

from __future__ import annotations

import pytest

LISTS = [
    "/v1/pages",
    "components",
    "component-groups",
    "incidents",
    "incidents/unresolved",
    "incidents/scheduled",
    "incidents/upcoming",
    "incidents/active_maintenance",
    "subscribers",
    "subscribers/unsubscribed",
    "unsubscribed",
    "incident_templates",
]
ODD_VALUES = ["1e20", "100000000000000000000", "-1", "0", "1.5", "NaN", "inf", " 1", "１", "", "x"]


@pytest.mark.parametrize("name", ["page", "per_page", "limit"])
@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_paging_values_on_every_list_are_a_clear_400_or_a_page(api, components, name, value):
    for path in LISTS:
        response = api.get(path, **{name: value})
        assert response.status_code in (200, 400), (path, response.status_code)
        if response.status_code == 400:
            message = response.json()["message"]  # says which parameter is wrong
            assert name in message or (name == "per_page" and "limit" in message)


def post_raw(api, body: bytes, content_type: str = "application/json"):
    return api.client.generic(
        "POST", api.url("incidents"), body, content_type=content_type, headers=api.headers()
    )


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(api, components, opening):
    body = (opening * 10_000).encode()
    response = post_raw(api, body)
    assert response.status_code == 400
    assert "nested" in response.json()["message"]


def test_nesting_a_little_deeper_than_any_client_needs_is_refused_too(api, components):
    body = ('{"incident": {"name": "x", "metadata": ' + "[" * 40 + "]" * 40 + "}}").encode()
    response = post_raw(api, body)
    assert response.status_code == 400
    assert "nested" in response.json()["message"]


@pytest.mark.parametrize(
    "number", ["1" * 5000, "1e400", "-1e400", "123456789012345678901234567890", "1" * 30 + ".5"]
)
def test_huge_numbers_are_a_clear_400_or_422(api, components, number):
    body = ('{"incident": {"name": "x", "impact_override": ' + number + "}}").encode()
    response = post_raw(api, body)
    assert response.status_code in (400, 422), response.content
    body = ('{"component": {"name": "x", "position": ' + number + "}}").encode()
    response = api.client.generic(
        "POST", api.url("components"), body, content_type="application/json", headers=api.headers()
    )
    assert response.status_code in (400, 422), response.content


def test_a_huge_integer_in_an_integer_field_is_a_422(api, components):
    response = api.post("components", {"component": {"name": "x", "position": 2**70}})
    assert response.status_code in (400, 422)


def test_a_nul_byte_in_a_body_is_a_400(api, components):
    response = post_raw(api, b'{"incident": {"name": "a\\u0000b"}}')
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]


def test_a_nul_byte_in_a_query_string_is_a_400(api, components):
    response = api.client.get(api.url("incidents") + "?page=1%00", headers=api.headers())
    assert response.status_code == 400


def test_invalid_utf8_in_a_body_is_a_400(api, components):
    response = post_raw(api, b'{"incident": {"name": "\xff\xfe"}}')
    assert response.status_code == 400
    assert "UTF-8" in response.json()["message"]


def test_invalid_utf8_in_a_query_string_is_no_server_error(api, components):
    response = api.client.get(api.url("incidents") + "?page=%ff%fe&q=%c3", headers=api.headers())
    assert response.status_code in (200, 400)


def test_invalid_utf8_in_a_form_body_is_a_400(api, components):
    response = post_raw(api, b"incident[name]=%ff%fe\xff", "application/x-www-form-urlencoded")
    assert response.status_code == 400
