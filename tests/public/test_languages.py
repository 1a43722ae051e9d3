"""One language at a time: every feed and calendar is in one language, the one its address
names or else the page's default; the page links to its visitor's."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import icalendar
import pytest
from django.conf import settings
from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import Incident, IncidentKind

CHINESE = ("放款失败", "放款暂时失败", "合作银行", "维护", "信用评估")
ENGLISH = ("Disbursement failing", "Payouts are failing", "partner bank", "upgrade", "Credit")


@pytest.fixture
def history(bilingual_outage, components, commit):
    outage = bilingual_outage()
    start = timezone.now() + timedelta(days=1)
    commit(
        services.open_incident,
        Incident(
            kind=IncidentKind.MAINTENANCE,
            name_zh_hans="信用系统维护",
            name_en="Credit system upgrade",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
        ),
        body={"zh-hans": "维护期间暂停提额。", "en": "Limit raises pause during the upgrade."},
        affected=[components["credit"]],
    )
    return outage


def text_of_feed(content: bytes) -> str:
    feed = feedparser.parse(content)
    assert not feed.bozo, feed.bozo_exception
    return " ".join(
        [feed.feed.title]
        + [e.title for e in feed.entries]
        + [e.content[0].value if "content" in e else e.summary for e in feed.entries]
    )


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_feed_in_english_has_english_titles_and_bodies_only(client, history, kind):
    response = client.get(f"/history.en.{kind}", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    text = text_of_feed(response.content)
    assert "Disbursement failing" in text and "Payouts are failing." in text
    assert "Credit system upgrade" in text
    assert not any(word in text for word in CHINESE)
    assert f"/history.en.{kind}" in response.content.decode()  # it names itself


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_feed_in_chinese_has_chinese_titles_and_bodies_only(client, history, kind):
    text = text_of_feed(client.get(f"/history.zh-hans.{kind}").content)
    assert "放款失败" in text and "放款暂时失败，我们正在处理。" in text
    assert "信用系统维护" in text
    assert not any(word in text for word in ENGLISH[:3])


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_the_plain_feed_is_in_the_default_language_whoever_asks(client, history, kind):
    expected = "放款失败" if settings.LANGUAGE_CODE == "zh-hans" else "Disbursement failing"
    for language in ("en", "zh-CN"):
        text = text_of_feed(client.get(f"/history.{kind}", HTTP_ACCEPT_LANGUAGE=language).content)
        assert expected in text


def test_an_untranslated_title_falls_back_to_the_default_language(client, bilingual_outage):
    bilingual_outage(name_en="")
    text = text_of_feed(client.get("/history.en.atom").content)
    assert "放款失败" in text
    assert "Payouts are failing." in text


def test_the_calendar_speaks_one_language(client, history):
    for path, own, other in (
        ("/maintenance.en.ics", "Credit system upgrade", "信用系统维护"),
        ("/maintenance.zh-hans.ics", "信用系统维护", "Credit system upgrade"),
    ):
        calendar = icalendar.Calendar.from_ical(client.get(path).content)
        (event,) = calendar.walk("VEVENT")
        assert str(event["summary"]) == own
        assert other not in client.get(path).content.decode()


def test_an_unknown_language_has_no_feed(client, history):
    assert client.get("/history.fr.atom").status_code == 404
    assert client.get("/maintenance.fr.ics").status_code == 404


@pytest.mark.parametrize(("visitor", "language"), [("en", "en"), ("zh-CN", "zh-hans")])
def test_the_page_links_to_the_feeds_in_its_visitor_s_language(client, history, visitor, language):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE=visitor).content.decode()
    assert f'href="/history.{language}.atom"' in body
    assert f'href="/history.{language}.rss"' in body


def test_feeds_in_each_language_are_rendered_on_write(history):
    from statuspage.readpath import publish

    names = {publish.file_name(path, None) for path, per_language in publish.paths()}
    for code, _name in settings.LANGUAGES:
        assert {f"history.{code}.atom", f"history.{code}.rss", f"maintenance.{code}.ics"} <= names
