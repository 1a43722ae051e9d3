"""The monitors' console pages read fully Chinese, by the same measure as the status app's."""

from __future__ import annotations

import pytest
from django.utils import timezone

from statuspage.monitors.models import (
    AlertSource,
    AlertState,
    MonitoringFailure,
    Probe,
    ProbeResult,
)
from tests.status.test_admin_zh import consoles, untranslated

# Data typed once, HTTP methods and product names: the same in both languages.
SAME_IN_BOTH = {
    "prometheus",
    "ClientConnectorError",
    "GET",
    "HEAD",
    "https://a.example/",
    "GET https://a.example/",
    "Prometheus Alertmanager",
}


@pytest.fixture
def monitored(components) -> None:
    probe = Probe.objects.create(component=components["credit"], url="https://a.example/")
    ProbeResult.objects.create(probe=probe, latency_ms=120, status_code=200)
    source = AlertSource(name="prometheus", kind="alertmanager")
    source.new_token()
    source.save()
    AlertState.objects.create(
        source=source,
        fingerprint="1a30ba71cca2921f",
        component=components["credit"],
        status="major_outage",
        starts_at=timezone.now(),
    )
    MonitoringFailure.objects.create(detail="ClientConnectorError")


@pytest.mark.parametrize(
    "pages",
    [
        [
            "/admin/monitors/probe/",
            "/admin/monitors/probe/add/",
            "/admin/monitors/probe/{probe}/change/",
        ],
        ["/admin/monitors/alertsource/", "/admin/monitors/alertsource/{source}/change/"],
        ["/admin/monitors/alertstate/", "/admin/monitors/monitoringfailure/"],
    ],
)
def test_every_monitors_page_is_fully_chinese(monitored, pages):
    english, chinese = consoles()
    ids = {"probe": Probe.objects.get().pk, "source": AlertSource.objects.get().pk}
    found = {}
    for page in pages:
        url = page.format(**ids)
        en, zh = english.get(url), chinese.get(url)
        assert en.status_code == zh.status_code == 200, url
        left = [text for text in untranslated(en.text, zh.text) if text not in SAME_IN_BOTH]
        if left:
            found[url] = left
    assert not found, found


def test_a_draft_and_the_front_page_during_it_read_fully_chinese(components):
    """The draft's page (its note and its one button) and the console's front page while the
    draft waits (drafts waiting, views per minute)."""
    from statuspage.monitors import drafts, signals
    from statuspage.status.models import Incident

    credit = components["credit"]
    signals.apply_component_statuses(
        {credit: "major_outage"}, cause="monitor", at=timezone.now(), actor="probe"
    )
    drafts.open_draft(credit, "major_outage", actor="probe")
    draft = Incident.objects.get()
    english, chinese = consoles()
    found = {}
    for url in [f"/admin/status/incident/{draft.pk}/change/"]:
        en, zh = english.get(url), chinese.get(url)
        assert en.status_code == zh.status_code == 200, url
        left = [text for text in untranslated(en.text, zh.text) if text not in SAME_IN_BOTH]
        if left:
            found[url] = left
    assert not found, found
    assert "发布此草稿" in chinese.get(f"/admin/status/incident/{draft.pk}/change/").text
    # The front page also lists other apps' models (theirs to translate); ours is checked here.
    front = chinese.get("/admin/").text
    assert "事件期间" in front and "待发布的草稿" in front
    for english_text in ["During this incident", "Drafts waiting", "Page views", "per minute"]:
        assert english_text not in front
