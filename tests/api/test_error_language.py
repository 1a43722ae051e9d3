"""API errors are English, as Statuspage's are, unless the caller's Accept-Language asks for a
language we speak; the page's default language (Chinese here) is no fallback for machines."""

from __future__ import annotations

import pytest
from django.test import Client

from statuspage.status.models import Incident

BAD = '{"incident": {"name": 5}}'


def error_from(page, key, **headers) -> tuple[str, str]:
    """(name's error, Content-Language) for an incident with a number for a name."""
    response = Client().post(
        f"/v1/pages/{page.id}/incidents",
        BAD,
        content_type="application/json",
        headers={"Authorization": f"OAuth {key}", **headers},
    )
    assert response.status_code == 422
    return response.json()["errors"]["name"][0], response["Content-Language"]


def test_a_caller_that_sends_no_accept_language_reads_english(page, key, components):
    assert error_from(page, key) == ("Expected text, got int.", "en")
    assert not Incident.objects.exists()


@pytest.mark.parametrize("header", ["zh-CN", "zh-Hans,zh;q=0.9,en;q=0.5", "fr, zh;q=0.8"])
def test_a_caller_asking_for_chinese_reads_chinese(page, key, components, header):
    assert error_from(page, key, **{"Accept-Language": header}) == (
        "应为文本，实际为 int。",
        "zh-hans",
    )


@pytest.mark.parametrize("header", ["en-US,en;q=0.9", "fr", "*", "de, *;q=0.1"])
def test_a_caller_asking_for_another_language_reads_english(page, key, components, header):
    assert error_from(page, key, **{"Accept-Language": header})[0] == "Expected text, got int."


def test_errors_outside_validation_follow_the_same_rule(page, key, db):
    def missing(**headers) -> str:
        response = Client().get(
            f"/v1/pages/{page.id}/incidents?page=0",
            headers={"Authorization": f"OAuth {key}", **headers},
        )
        assert response.status_code == 400
        return response.json()["error"]

    assert missing() == "page must be a whole number from 1 up."
    assert missing(**{"Accept-Language": "zh-CN"}) != missing()


def test_the_status_page_itself_still_falls_back_to_the_default_language(client, components):
    """Only the APIs changed: a browser without Accept-Language still gets the page's default."""
    response = Client().get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"


def test_a_public_subscription_keeps_the_browsers_language(db, components, mailbox):
    from statuspage.notify.models import Subscriber

    for address, header in (("li@example.com", "zh-CN"), ("ana@example.com", "en")):
        response = Client().post(
            "/api/v2/subscribers.json",
            {"subscriber": {"email": address}},
            content_type="application/json",
            headers={"Accept-Language": header},
        )
        assert response.status_code in (200, 201), response.content
    languages = dict(Subscriber.objects.values_list("email", "language"))
    assert languages == {"li@example.com": "zh-hans", "ana@example.com": "en"}
