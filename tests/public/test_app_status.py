"""`/api/app/status.json`: what the lender's app reads to disable its borrow button and say why,
in the caller's language, small, cached and served like the page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from django.conf import settings
from django.core.signals import request_started
from django.utils import timezone

from statuspage.status import services
from tests.public.test_fast_path import call

URL = "/api/app/status.json"
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 14:00 in Beijing


@pytest.fixture
def outage(bilingual_outage, clock):
    clock(NOW)
    return bilingual_outage(
        expected_recovery_at=NOW + timedelta(hours=2),
        next_update_by=NOW + timedelta(minutes=30),
    )


def app(client, query="", language="en", **headers):
    return client.get(URL + query, HTTP_ACCEPT_LANGUAGE=language, **headers)


def test_when_all_works_it_says_so(client, functions):
    data = app(client).json()
    assert data["ok"] is True
    assert data["notice"] is None
    assert data["functions"] == [
        {"id": functions["borrow"].pk, "name": "Borrowing", "state": "works"},
        {"id": functions["repay"].pk, "name": "Repayment", "state": "works"},
        {"id": functions["raise"].pk, "name": "Raising the limit", "state": "works"},
    ]
    assert data["summary"] == (
        "Borrowing works normally, Repayment works normally, Raising the limit works normally."
    )


def test_during_an_outage_it_says_what_works_why_and_what_to_do(client, outage, functions):
    data = app(client).json()
    assert data["ok"] is False
    assert {f["id"]: f["state"] for f in data["functions"]} == {
        functions["borrow"].pk: "unavailable",
        functions["repay"].pk: "works",
        functions["raise"].pk: "works",
    }
    assert data["summary"].startswith("Borrowing is unavailable for now")
    notice = data["notice"]
    assert notice["summary"] == "Disbursement failing"
    assert notice["cause"] == "Third-party provider"
    assert notice["reassurances"] == [
        "Your funds and data are safe.",
        "Repayments affected by this incident incur no late fee and no credit-record impact.",
    ]
    assert notice["channels"] == [
        {
            "label": "WeChat mini-program",
            "url": "https://lender.example/mini",
            "phone": None,
            "tel": None,
        },
        {
            "label": "Customer hotline",
            "url": None,
            "phone": "400 888 8888",
            "tel": "tel:+86-400-888-8888",
        },
    ]
    assert notice["expected_recovery_at"] == "2026-11-30T16:00:00.000+08:00"
    assert notice["expected_recovery_reassessing"] is False
    assert notice["next_update_by"] == "2026-11-30T14:30:00.000+08:00"
    assert notice["next_update_overdue"] is False
    assert notice["url"] == f"{settings.PUBLIC_URL}/incidents/{outage.pk}"


def test_an_explicit_function_state_wins_over_the_components(client, outage, functions, commit):
    commit(services.edit_incident, outage, function_states={functions["repay"].pk: "slow"})
    states = {f["id"]: f["state"] for f in app(client).json()["functions"]}
    assert states[functions["repay"].pk] == "slow"
    assert states[functions["borrow"].pk] == "unavailable"


def test_passed_promises_are_flagged_without_a_write(client, outage, clock):
    app(client)  # cached with the promises still ahead
    clock(NOW + timedelta(hours=3))
    notice = app(client).json()["notice"]
    assert notice["expected_recovery_reassessing"] is True
    assert notice["next_update_overdue"] is True


@pytest.mark.parametrize(
    ("query", "language"),
    [("?lang=zh-hans", "en"), ("", "zh-CN,zh;q=0.9"), ("?lang=zh-hans", "zh-CN")],
)
def test_it_speaks_the_language_asked_for(client, outage, query, language):
    data = app(client, query, language).json()
    assert data["language"] == "zh-hans"
    assert data["summary"] == "借款暂不可用，还款正常，提额正常。"
    assert data["notice"]["summary"] == "放款失败"
    assert data["notice"]["cause_note"] == "合作银行的接口**超时**。"
    assert data["notice"]["reassurances"][0] == "您的资金和数据安全。"
    assert [c["label"] for c in data["notice"]["channels"]] == ["微信小程序", "客服热线"]


def test_english_is_english_only(client, outage):
    body = app(client, "?lang=en", "zh-CN").content.decode()
    assert json.loads(body)["notice"]["summary"] == "Disbursement failing"
    assert not any("\u4e00" <= char <= "\u9fff" for char in body)


def test_an_untranslated_text_falls_back_to_the_default_language(client, bilingual_outage):
    bilingual_outage(name_en="", cause_note_en="")
    notice = app(client, "?lang=en").json()["notice"]
    assert notice["summary"] == "放款失败"  # the default language's, rather than nothing
    assert notice["cause"] == "Third-party provider"  # our own words stay English


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("?lang=EN", "?lang=en"),
        ("?lang=zh-CN", "?lang=zh-hans"),
        ("?lang=zh_Hans", "?lang=zh-hans"),
        ("?lang=fr", f"?lang={settings.LANGUAGE_CODE}"),
        ("?lang=", ""),
        ("?lang=en&lang=en", "?lang=en"),
    ],
)
def test_other_spellings_are_redirected_to_one_page(client, functions, query, canonical):
    response = app(client, query)
    assert response.status_code == 301
    assert response["Location"] == URL + canonical


def test_it_is_small(client, outage, functions, commit):
    # Every function set explicitly and the longest reassurances: still under 2 KB.
    commit(
        services.edit_incident,
        outage,
        reassurances=["funds_safe", "no_late_fee", "applications_kept"],
        function_states={f.pk: "unavailable" for f in functions.values()},
    )
    for language in ("zh-hans", "en"):
        assert len(app(client, f"?lang={language}").content) < 2048


def test_any_app_or_site_can_read_it_and_revalidate(client, outage, django_assert_num_queries):
    first = app(client, "?lang=en", HTTP_ORIGIN="https://lender.example")
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["Content-Type"] == "application/json; charset=utf-8"
    assert not first.cookies
    with django_assert_num_queries(0):
        again = app(client, "?lang=en", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_write_changes_it_at_once(client, outage, commit):
    etag = app(client)["ETag"]
    commit(services.resolve, outage)
    response = app(client, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["notice"] is None


@pytest.mark.usefixtures("keep_the_test_connection")
def test_the_fast_path_answers_it_like_the_page(outage, django_assert_num_queries):
    seen: list = []

    def count(sender, **kwargs):
        seen.append(kwargs.get("environ", {}).get("PATH_INFO"))

    request_started.connect(count)
    try:
        first = call(URL + "?lang=zh-hans", origin="https://lender.example")
        with django_assert_num_queries(0):
            again = call(URL + "?lang=zh-hans", origin="https://lender.example")
        english = call(URL + "?lang=en")
    finally:
        request_started.disconnect(count)
    assert seen == [URL, URL]  # the repeat never entered Django; English is its own entry
    assert again == first
    assert first[0] == "200 OK"
    assert first[1]["Access-Control-Allow-Origin"] == "*"
    assert json.loads(first[2])["language"] == "zh-hans"
    assert json.loads(english[2])["language"] == "en"


def _json_schema(openapi: dict) -> dict:
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a "null" type; every object
    allows nothing undocumented."""
    schema = {k: v for k, v in openapi.items() if k != "nullable"}
    if openapi.get("nullable"):
        schema["type"] = [openapi["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    if "properties" in schema:
        schema["properties"] = {k: _json_schema(v) for k, v in schema["properties"].items()}
        schema["additionalProperties"] = False
    if "items" in schema:
        schema["items"] = _json_schema(schema["items"])
    return schema


def test_the_openapi_schema_describes_what_it_answers(client, functions, bilingual_outage):
    document = client.get("/api/schema/?format=json").json()
    operation = document["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"lang"}
    described = _json_schema(operation["responses"]["200"]["content"]["application/json"]["schema"])
    jsonschema.validate(app(client).json(), described)  # all well: no notice
    bilingual_outage(next_update_by=timezone.now() + timedelta(hours=1))
    data = app(client, "?lang=zh-hans").json()
    assert data["notice"] is not None
    jsonschema.validate(data, described)
