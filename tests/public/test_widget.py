"""The embeddable widget: a small script and a JSON endpoint that say what is wrong, in the
visitor's language, readable from the lender's own site without cookies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.core import signals as core_signals
from django.db import close_old_connections
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Incident, StatusEmbedConfig

LENDER = "https://www.lender.example"


def widget(client, path="/widget.json", language="en", **headers):
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language, HTTP_ORIGIN=LENDER, **headers)


RECOVERY = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


@pytest.fixture
def outage(components, functions, channels, commit, clock):
    clock(RECOVERY - timedelta(hours=2))
    return commit(
        services.open_incident,
        Incident(
            name_en="Disbursement failing",
            name_zh_hans="放款失败",
            cause="third_party",
            reassurances=["funds_safe"],
            expected_recovery_at=RECOVERY,
        ),
        body={"en": "Loans are not being paid out.", "zh-hans": "暂时无法放款。"},
        component_statuses={components["disbursement"]: "major_outage"},
        channels=[channels["mini_program"], channels["hotline"]],
        next_update_by=RECOVERY - timedelta(hours=1),
    )


def test_when_all_is_well_it_says_so_and_nothing_else(client, components):
    data = widget(client).json()
    assert data["ok"] is True
    assert data["incidents"] == []
    assert data["affected"] == []
    assert data["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_during_an_outage_it_says_what_is_affected_what_to_do_and_until_when(
    client, components, outage
):
    data = widget(client).json()
    assert data["ok"] is False
    assert data["status"]["indicator"] == "major"
    assert data["affected"] == ["Disbursement"]
    assert (
        data["banner"] == "Borrowing is unavailable for now, Repayment works normally, "
        "Raising the limit works normally."
    )
    assert [f["state"] for f in data["functions"]] == ["unavailable", "works", "works"]
    (incident,) = data["incidents"]
    assert incident["name"] == incident["summary"] == "Disbursement failing"
    assert incident["components"] == ["Disbursement"]
    assert "alternative_channel" not in incident
    assert incident["cause"] == "Third-party provider"
    assert incident["reassurances"] == ["Your funds and data are safe."]
    assert incident["channels"] == [
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
    assert incident["expected_recovery_at"] == "2026-12-01T15:30:00.000+08:00"
    assert incident["expected_recovery_reassessing"] is False
    assert incident["next_update_by"] == "2026-12-01T14:30:00.000+08:00"
    assert incident["next_update_overdue"] is False
    assert incident["url"] == f"{settings.PUBLIC_URL}/incidents/{outage.pk}"
    assert data["text"]["meanwhile"] == "Meanwhile, use"


def test_a_passed_promise_turns_into_reassessing_and_overdue_without_a_write(
    client, components, outage, clock
):
    widget(client)  # cached
    clock(RECOVERY + timedelta(minutes=1))
    (incident,) = widget(client).json()["incidents"]
    assert incident["expected_recovery_reassessing"] is True
    assert incident["next_update_overdue"] is True


def test_it_speaks_the_visitor_s_language_or_the_one_asked_for(client, components, outage):
    chinese = widget(client, language="zh-CN,zh;q=0.9").json()
    assert chinese["language"] == "zh-hans"
    assert chinese["affected"] == ["放款"]
    assert chinese["banner"] == "借款暂不可用，还款正常，提额正常。"
    (incident,) = chinese["incidents"]
    assert incident["name"] == "放款失败"
    assert incident["reassurances"] == ["您的资金和数据安全。"]
    assert [c["label"] for c in incident["channels"]] == ["微信小程序", "客服热线"]
    assert chinese["text"]["meanwhile"] == "在此期间请使用"
    assert chinese["status"]["description"] == "系统部分中断"
    english = json.dumps(widget(client).json(), ensure_ascii=False)
    assert not any("\u4e00" <= char <= "\u9fff" for char in english)  # not one Chinese word
    forced = widget(client, "/widget.zh-hans.json", language="en").json()
    assert forced["language"] == "zh-hans"
    assert forced["incidents"][0]["components"] == ["放款"]
    assert widget(client, "/widget.en.json", language="zh-CN").json()["affected"] == [
        "Disbursement"
    ]
    assert widget(client, "/widget.fr.json").status_code == 404


def test_running_maintenance_shows_but_announcements_and_upcoming_windows_do_not(
    client, components, commit
):
    commit(
        services.open_incident,
        Incident(kind="announcement", name="New repayment channel"),
        body="Repay at any bank.",
    )
    start = timezone.now() + timedelta(days=1)
    upcoming = Incident(
        kind="maintenance",
        name="Credit upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=2),
    )
    commit(services.open_incident, upcoming, body="Planned.", affected=[components["credit"]])
    assert widget(client).json()["ok"] is True

    commit(
        services.post_update,
        upcoming,
        status="in_progress",
        body="Started early.",
        component_statuses={components["credit"]: "under_maintenance"},
    )
    data = widget(client).json()
    assert data["ok"] is False
    assert [i["name"] for i in data["incidents"]] == ["Credit upgrade"]
    assert data["incidents"][0]["impact"] == "maintenance"


def test_a_degraded_component_without_an_incident_still_shows(client, components, commit):
    commit(services.set_component_status, components["limit"], "degraded_performance")
    data = widget(client).json()
    assert (data["ok"], data["affected"], data["incidents"]) == (False, ["Limit allocation"], [])


def test_any_site_can_read_it_without_cookies(client, components):
    response = widget(client)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies
    assert "Accept-Language" in response["Vary"]
    assert response["Content-Type"] == "application/json"


@pytest.fixture
def wsgi_app():
    """wsgi.py's application, as the web server runs it. Like Django's test client, it keeps
    the test's database connection open across requests."""
    from statuspage.wsgi import application

    core_signals.request_started.disconnect(close_old_connections)
    core_signals.request_finished.disconnect(close_old_connections)
    yield application
    core_signals.request_started.connect(close_old_connections)
    core_signals.request_finished.connect(close_old_connections)


def test_the_production_app_keeps_it_readable_cross_origin_on_its_fast_path(wsgi_app, components):
    """The first answer comes through Django, the next from the fast path in front of it
    (without the CORS middleware); both carry the header."""
    answers: list = []
    for _ in range(2):
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update(PATH_INFO="/widget.json", HTTP_ORIGIN=LENDER, HTTP_ACCEPT_LANGUAGE="en")
        body = b"".join(wsgi_app(environ, lambda *answer: answers.append(answer)))
        status, headers = answers[-1][:2]
        assert status == "200 OK"
        assert dict(headers)["Access-Control-Allow-Origin"] == "*"
        assert json.loads(body)["ok"] is True


def test_it_is_served_from_the_cache_until_the_page_changes(
    client, components, django_assert_num_queries, commit
):
    first = widget(client)
    with django_assert_num_queries(0):
        again = widget(client, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    commit(services.set_component_status, components["app"], "major_outage")
    assert widget(client).json()["ok"] is False


def test_the_script_is_small_dependency_free_cached_and_never_sends_cookies(
    client, components, django_assert_num_queries
):
    response = client.get("/widget.js")
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    source = response.content.decode()
    assert source == (Path(settings.BASE_DIR) / "static/js/widget.js").read_text()
    assert len(response.content) < 6144
    assert len(client.get("/widget.js", HTTP_ACCEPT_ENCODING="br").content) < 2048  # as sent
    assert 'credentials: "omit"' in source
    assert "document.cookie" not in source
    assert "import " not in source and "require(" not in source
    assert "textContent" in source and "innerHTML" not in source  # names cannot inject markup
    with django_assert_num_queries(0):
        assert client.get("/widget.js").content == response.content


def test_the_banner_looks_as_the_operator_set_it(client, components, commit):
    assert widget(client).json()["embed"] == {
        "position": "bottom-left",
        "incident": {"background": "#B54708", "text": "#FFFFFF"},
        "maintenance": {"background": "#1F5FBF", "text": "#FFFFFF"},
    }
    config = StatusEmbedConfig.get()
    config.position, config.incident_background_color = "top-right", "#112233"
    commit(services.save_embed_config, config)
    embed = widget(client).json()["embed"]  # the page moved: no stale cached answer
    assert embed["position"] == "top-right"
    assert embed["incident"] == {"background": "#112233", "text": "#FFFFFF"}


def test_an_untranslated_title_falls_back_to_the_default_language(client, bilingual_outage):
    bilingual_outage(name_en="")
    (incident,) = widget(client, "/widget.en.json").json()["incidents"]
    assert incident["name"] == "放款失败"
    assert incident["reassurances"][0] == "Your funds and data are safe."
