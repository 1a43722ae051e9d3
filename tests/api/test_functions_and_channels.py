"""Functions and alternative channels through /v1: written per language like incidents, read
with their state now; bad input is a 422 naming the field, and nothing is written."""

from __future__ import annotations

import pytest

from statuspage.status.models import AlternativeChannel, Function, Page


def test_a_function_is_created_listed_changed_and_deleted(api, components):
    version = Page.get().version
    response = api.post(
        "functions",
        {
            "function": {
                "name": "借款",
                "translations": {"en": {"name": "Borrowing"}},
                "component_ids": [components["disbursement"].id],
            }
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "借款"
    assert created["translations"] == {"en": {"name": "Borrowing"}}
    assert created["component_ids"] == [components["disbursement"].id]
    assert created["state"] == "works"
    function = Function.objects.get(pk=created["id"])
    assert (function.name_zh_hans, function.name_en) == ("借款", "Borrowing")
    assert Page.get().version > version  # the page shows functions: it is rendered again

    api.patch(
        f"components/{components['disbursement'].id}",
        {"component": {"status": "major_outage"}},
    )
    [listed] = api.get("functions").json()
    assert listed["state"] == "unavailable"

    patched = api.patch(
        f"functions/{created['id']}", {"function": {"translations": {"en": {"name": "Borrow"}}}}
    ).json()
    assert (patched["name"], patched["translations"]["en"]["name"]) == ("借款", "Borrow")

    assert api.delete(f"functions/{created['id']}").status_code == 204
    assert not Function.objects.exists()


def test_an_incident_can_set_a_functions_state(api, components):
    created = api.post(
        "functions", {"function": {"name": "借款", "component_ids": [components["app"].id]}}
    ).json()
    api.post(
        "incidents", {"incident": {"name": "借款暂停", "function_states": {created["id"]: "slow"}}}
    )
    assert api.get(f"functions/{created['id']}").json()["state"] == "slow"


def test_a_channel_is_created_with_a_phone_number_and_a_link(api, db):
    response = api.post(
        "channels",
        {
            "channel": {
                "label": "客服热线",
                "translations": {"en": {"label": "Hotline"}},
                "phone": "400 888 8888",
            }
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["label"] == "客服热线"
    assert created["translations"] == {"en": {"label": "Hotline"}}
    assert created["phone"] == "+864008888888"
    assert created["phone_display"] == "400 888 8888"
    assert created["tel"].startswith("tel:+86")
    assert created["url"] is None

    patched = api.patch(
        f"channels/{created['id']}", {"channel": {"url": "https://mp.example.com/"}}
    ).json()
    assert patched["url"] == "https://mp.example.com/"
    assert api.get("channels").json() == [patched]
    assert api.delete(f"channels/{created['id']}").status_code == 204
    assert not AlternativeChannel.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "客服热线"}, "url"),  # neither a link nor a phone number
        ({"label": "客服热线", "phone": "call us maybe"}, "phone"),
        ({"label": "客服热线", "url": "not a link"}, "url"),
        ({"label": "", "phone": "400 888 8888"}, "label"),
        ({"label": "x", "phone": "400 888 8888", "translations": {"fr": {"label": "y"}}},
         "translations.fr"),
        ({"label": "x", "phone": "400 888 8888", "translations": {"en": {"label": "a\nb"}}},
         "translations.en.label"),
    ],
)  # fmt: skip
def test_a_bad_channel_is_a_422_naming_the_field(api, db, body, field):
    response = api.post("channels", {"channel": body})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not AlternativeChannel.objects.exists()


def test_a_bad_function_is_a_422_naming_the_field(api, components):
    response = api.post("functions", {"function": {"name": "借款", "component_ids": ["nope"]}})
    assert response.status_code == 422
    assert "component_ids" in response.json()["errors"]
    assert not Function.objects.exists()


@pytest.mark.parametrize(
    "path", ["channels/abc", "channels/99999999999999999999999", "functions/x"]
)
def test_an_unknown_function_or_channel_is_404(api, db, path):
    assert api.get(path).status_code == 404
