"""Operators add probes in the admin and see a probe's latency drawn on its page."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from statuspage.monitors.models import MonitoringFailure, Probe, ProbeResult


def test_an_operator_adds_a_probe_in_the_admin(operator_client, components):
    response = operator_client.post(
        "/admin/monitors/probe/add/",
        {
            "component": components["credit"].pk,
            "url": "https://credit.example.org/health",
            "method": "GET",
            "enabled": "on",
            "expected_status": "200-299",
            "timeout_seconds": "5",
            "interval_seconds": "10",
            "degraded_after": "2",
            "outage_after": "4",
            "recover_after": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Probe.objects.get().url == "https://credit.example.org/health"


def test_the_admin_refuses_an_interval_under_ten_seconds(operator_client, components):
    response = operator_client.post(
        "/admin/monitors/probe/add/",
        {
            "component": components["credit"].pk,
            "url": "https://credit.example.org/health",
            "method": "GET",
            "expected_status": "200-299",
            "timeout_seconds": "1",
            "interval_seconds": "5",
            "degraded_after": "2",
            "outage_after": "4",
            "recover_after": "2",
        },
    )
    assert response.status_code == 200
    assert not Probe.objects.exists()


def test_a_probe_page_draws_its_latency_as_svg(operator_client, components):
    probe = Probe.objects.create(
        component=components["credit"], url="https://a.example/", latency_threshold_ms=300
    )
    start = timezone.now() - timedelta(minutes=5)
    for n, latency in enumerate([120, 180, 900]):
        ProbeResult.objects.create(
            probe=probe, at=start + timedelta(seconds=10 * n), latency_ms=latency, status_code=200
        )
    ProbeResult.objects.create(
        probe=probe, at=start + timedelta(seconds=40), latency_ms=5000, error="no answer within 5 s"
    )
    body = operator_client.get(f"/admin/monitors/probe/{probe.pk}/change/").content.decode()
    svg = re.search(r"<svg[^>]*latency-chart.*?</svg>", body, re.S).group()
    assert svg.count("<circle") == 4
    assert svg.count('fill="#dc2626"') == 1  # the failed check
    assert "no answer within 5 s" in svg
    assert 'stroke-dasharray="4 3"' in svg  # the slow threshold
    assert "<style" not in svg and "<script" not in svg


def test_a_component_page_shows_its_probes_latency(operator_client, components):
    probe = Probe.objects.create(component=components["credit"], url="https://a.example/")
    ProbeResult.objects.create(probe=probe, at=timezone.now(), latency_ms=140, status_code=200)
    credit = operator_client.get(f"/admin/status/component/{components['credit'].pk}/change/")
    body = credit.content.decode()
    assert f"/admin/monitors/probe/{probe.pk}/change/" in body
    assert re.search(r"<svg[^>]*latency-chart.*?<circle", body, re.S)
    limit = operator_client.get(f"/admin/status/component/{components['limit'].pk}/change/")
    assert "No probe watches this component." in limit.content.decode()
    assert "latency-chart" not in limit.content.decode()


def test_the_probe_list_says_when_monitoring_itself_fails(operator_client, components):
    assert (
        "Monitoring itself is failing"
        not in operator_client.get("/admin/monitors/probe/").content.decode()
    )
    MonitoringFailure.objects.create(detail="ClientConnectorError: network unreachable")
    body = operator_client.get("/admin/monitors/probe/").content.decode()
    assert "Monitoring itself is failing" in body
    assert "network unreachable" in body
