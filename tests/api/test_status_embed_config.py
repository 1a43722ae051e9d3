"""/v1/pages/{page_id}/status_embed_config: the widget's corner and colours, read and changed."""

from __future__ import annotations

import pytest


def test_the_embed_config_starts_with_the_widgets_own_look(api, page):
    response = api.get("status_embed_config")

    assert response.status_code == 200
    assert response.json() == {
        "page_id": page.id,
        "position": "bottom-left",
        "incident_background_color": "#B54708",
        "incident_text_color": "#FFFFFF",
        "maintenance_background_color": "#1F5FBF",
        "maintenance_text_color": "#FFFFFF",
    }


def test_a_patch_changes_only_what_it_names(api):
    response = api.patch(
        "status_embed_config.json",
        {"status_embed_config": {"position": "top-right", "incident_text_color": "#000000"}},
    )

    assert response.status_code == 200
    again = api.get(f"/api/v1/pages/{api.page_id}/status_embed_config").json()
    assert again["position"] == "top-right"
    assert again["incident_text_color"] == "#000000"
    assert again["maintenance_background_color"] == "#1F5FBF"


def test_a_form_put_works_like_a_patch(api):
    response = api.form(
        "PUT", "status_embed_config", "status_embed_config[maintenance_text_color]=%23abcdef"
    )

    assert response.status_code == 200
    assert response.json()["maintenance_text_color"] == "#abcdef"


@pytest.mark.parametrize(
    "change",
    [
        {"position": "middle"},
        {"position": ""},
        {"incident_background_color": "red"},
        {"incident_background_color": "#12345"},
        {"incident_text_color": "#1234567"},
        {"maintenance_text_color": "#GGGGGG"},
        {"maintenance_background_color": "#12 345"},
        {"maintenance_background_color": 123456},
    ],
)
def test_bad_positions_and_colours_are_refused_with_422(api, change):
    response = api.patch("status_embed_config", {"status_embed_config": change})

    assert response.status_code == 422
    assert response.json()["errors"]
    assert api.get("status_embed_config").json()["position"] == "bottom-left"


def test_another_page_has_no_embed_config(api):
    assert api.get("/v1/pages/nosuchpage000/status_embed_config").status_code == 404


def test_reading_needs_a_key(client, page):
    assert client.get(f"/v1/pages/{page.id}/status_embed_config").status_code == 401
