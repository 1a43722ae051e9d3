"""Alerts from Alertmanager, Grafana and generic JSON, in the shapes their documentation gives."""

from __future__ import annotations

import copy
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from statuspage.monitors.models import AlertSource, AlertState
from statuspage.status.models import Component, StatusChange

# Alertmanager's webhook_config payload, version 4 (prometheus.io/docs/alerting/configuration).
ALERTMANAGER = {
    "version": "4",
    "groupKey": '{}/{severity="critical"}:{alertname="ProbeFailure"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "statuspage",
    "groupLabels": {"alertname": "ProbeFailure"},
    "commonLabels": {"alertname": "ProbeFailure", "job": "http_checks", "severity": "critical"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager.example.org:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"instance": "https://credit.example.org", "statuspage_component": "?"},
            "annotations": {"summary": "Credit scoring is down"},
            "startsAt": "2026-11-30T09:52:26.739266876+08:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.org:9090/graph?g0.expr=probe_success",
            "fingerprint": "1a30ba71cca2921f",
        }
    ],
}

# Grafana's webhook contact point (grafana.com/docs, "Configure webhook notifications").
GRAFANA = {
    "receiver": "My Super Webhook",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "High memory usage", "team": "blue", "zone": "us-1"},
            "annotations": {
                "description": "The system has high memory usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone us-1",
            },
            "startsAt": "2021-10-12T09:51:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/1afz29v7z/edit",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 44.23943737541908, "C": 1},
        },
        {
            "status": "firing",
            "labels": {"alertname": "High CPU usage", "team": "blue", "zone": "eu-1"},
            "annotations": {
                "description": "The system has high CPU usage",
                "runbook_url": "https://myrunbook.com/runbook/1234",
                "summary": "This alert was triggered for zone eu-1",
            },
            "startsAt": "2021-10-12T09:56:03.157076+02:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://play.grafana.org/alerting/d1rdpdv7k/edit",
            "fingerprint": "bc97ff14869b13e3",
            "silenceURL": "https://play.grafana.org/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "",
            "panelURL": "",
            "valueString": "[ metric='' labels={} value=14151.331895396988 ]",
        },
    ],
    "groupLabels": {},
    "commonLabels": {"team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://play.grafana.org/",
    "version": "1",
    "groupKey": "{}:{}",
    "truncatedAlerts": 0,
    "title": "[FIRING:2]  (blue)",
    "state": "alerting",
    "message": "**Firing**",
}


def make_source(kind: str, name: str = "prometheus") -> str:
    out = StringIO()
    call_command("create_alert_source", kind=kind, name=name, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def post(client, url: str, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **extra)


def status_of(component: Component) -> str:
    return Component.objects.get(pk=component.pk).status


def alertmanager(component_ref: str, status: str = "firing", **alert) -> dict:
    payload = copy.deepcopy(ALERTMANAGER)
    payload["status"] = status
    payload["alerts"][0]["labels"]["statuspage_component"] = component_ref
    payload["alerts"][0]["status"] = status
    if status == "resolved":
        payload["alerts"][0]["endsAt"] = "2026-11-30T10:02:26.739Z"
    payload["alerts"][0].update(alert)
    return payload


def test_the_command_prints_a_secret_url_and_keeps_only_its_hash(db):
    url = make_source("alertmanager")
    assert url.startswith("http") and "/api/alerts/" in url
    token = url.rstrip("/").rsplit("/", 1)[1]
    source = AlertSource.objects.get()
    assert source.token_hash == AlertSource.hash_token(token) and token not in source.token_hash


def test_the_command_refuses_a_name_in_use_and_an_unknown_kind(db):
    make_source("grafana", "g")
    with pytest.raises(CommandError, match="name"):
        make_source("grafana", "g")
    with pytest.raises(CommandError):
        make_source("nagios", "n")
    assert AlertSource.objects.count() == 1


def test_alertmanager_firing_then_resolved_moves_the_component(client, components):
    url = make_source("alertmanager")
    credit = components["credit"]
    response = post(client, url, alertmanager(credit.pk))
    assert response.status_code == 200, response.content
    assert status_of(credit) == "major_outage"
    change = StatusChange.objects.filter(component=credit).first()
    assert (change.cause, change.actor) == ("monitor", "alert source prometheus")
    assert post(client, url, alertmanager(credit.pk, "resolved")).status_code == 200
    assert status_of(credit) == "operational"


def test_a_component_is_named_by_id_or_by_name_in_either_language(client, components):
    url = make_source("alertmanager")
    post(client, url, alertmanager("信用评估", fingerprint="a"))
    assert status_of(components["credit"]) == "major_outage"
    post(client, url, alertmanager("limit allocation", fingerprint="b"))
    assert status_of(components["limit"]) == "major_outage"


def test_severity_warning_is_degraded_and_can_be_mapped_per_source(client, components):
    url = make_source("alertmanager")
    payload = alertmanager(components["credit"].pk)
    payload["commonLabels"]["severity"] = "warning"
    post(client, url, payload)
    assert status_of(components["credit"]) == "degraded_performance"
    AlertSource.objects.update(severity_map={"page": "partial_outage"})
    payload = alertmanager(components["limit"].pk, fingerprint="other")
    payload["commonLabels"]["severity"] = "page"
    post(client, url, payload)
    assert status_of(components["limit"]) == "partial_outage"


def test_grafana_grouped_alerts_each_move_their_component(client, components):
    url = make_source("grafana", "grafana")
    payload = copy.deepcopy(GRAFANA)
    payload["alerts"][0]["labels"]["statuspage_component"] = components["credit"].pk
    payload["alerts"][1]["labels"]["statuspage_component"] = components["limit"].pk
    payload["alerts"][1]["labels"]["severity"] = "warning"
    assert post(client, url, payload).status_code == 200
    assert status_of(components["credit"]) == "major_outage"
    assert status_of(components["limit"]) == "degraded_performance"
    payload["status"] = "resolved"
    payload["alerts"][0]["status"] = "resolved"
    payload["alerts"][0]["endsAt"] = "2021-10-12T10:51:03.157076+02:00"
    post(client, url, payload)
    assert status_of(components["credit"]) == "operational"
    assert status_of(components["limit"]) == "degraded_performance"


def test_two_alerts_on_one_component_the_worst_wins_until_both_resolve(client, components):
    url = make_source("alertmanager")
    credit = components["credit"].pk
    warning = alertmanager(credit, fingerprint="w")
    warning["commonLabels"]["severity"] = "warning"
    post(client, url, warning)
    post(client, url, alertmanager(credit, fingerprint="c"))
    assert status_of(components["credit"]) == "major_outage"
    post(client, url, alertmanager(credit, "resolved", fingerprint="c"))
    assert status_of(components["credit"]) == "degraded_performance"


def test_repeated_firing_changes_nothing_twice(client, components):
    url = make_source("alertmanager")
    for _ in range(3):
        assert post(client, url, alertmanager(components["credit"].pk)).status_code == 200
    assert StatusChange.objects.filter(component=components["credit"], cause="monitor").count() == 1
    assert AlertState.objects.count() == 1


def test_a_late_firing_does_not_revive_a_resolved_alert(client, components):
    url = make_source("alertmanager")
    credit = components["credit"]
    post(client, url, alertmanager(credit.pk))
    post(client, url, alertmanager(credit.pk, "resolved"))
    post(client, url, alertmanager(credit.pk))  # the same episode's firing, delivered late
    assert status_of(credit) == "operational"
    post(client, url, alertmanager(credit.pk, startsAt="2026-11-30T11:00:00Z"))  # a new one
    assert status_of(credit) == "major_outage"


def test_a_resolve_that_arrives_before_its_firing_wins(client, components):
    url = make_source("alertmanager")
    credit = components["credit"]
    post(client, url, alertmanager(credit.pk, "resolved"))
    post(client, url, alertmanager(credit.pk))
    assert status_of(credit) == "operational"


def test_a_resolve_of_an_older_episode_does_not_end_a_newer_one(client, components):
    url = make_source("alertmanager")
    credit = components["credit"]
    post(client, url, alertmanager(credit.pk, startsAt="2026-11-30T11:00:00Z"))
    post(client, url, alertmanager(credit.pk, "resolved", startsAt="2026-11-30T09:00:00Z"))
    assert status_of(credit) == "major_outage"


def test_the_generic_form(client, components):
    url = make_source("generic", "cron")
    credit = components["credit"]
    message = {"component": credit.pk, "status": "partial_outage", "message": "batch late"}
    assert post(client, url, message).status_code == 200
    assert status_of(credit) == "partial_outage"
    assert AlertState.objects.get().summary == "batch late"
    post(client, url, {"component": credit.pk, "status": "operational"})
    assert status_of(credit) == "operational"


def test_a_bad_token_is_401_and_changes_nothing(client, components):
    make_source("alertmanager")
    response = post(client, "/api/alerts/not-the-token/", alertmanager(components["credit"].pk))
    assert response.status_code == 401
    assert status_of(components["credit"]) == "operational"


def test_an_unknown_component_is_422_and_changes_nothing(client, components):
    url = make_source("alertmanager")
    payload = copy.deepcopy(GRAFANA)
    payload["alerts"][0]["labels"]["statuspage_component"] = components["credit"].pk
    payload["alerts"][1]["labels"]["statuspage_component"] = "no such thing"
    response = post(client, url, payload)
    assert response.status_code == 422
    assert "no such thing" in response.json()["error"]
    assert status_of(components["credit"]) == "operational"
    assert AlertState.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 100 + "]" * 100,
        '{"alerts": [1, 2]}',
        '{"alerts": "many"}',
        "[]",
        '"text"',
        '{"alerts": [{"status": "burning", "labels": {}}]}',
    ],
)
def test_malformed_payloads_are_4xx_never_500(client, components, body):
    url = make_source("alertmanager")
    response = post(client, url, body)
    assert 400 <= response.status_code < 500, response.content
    assert AlertState.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    ['{"component": "x"}', '{"component": 1, "status": "fine"}', "[1]", '{"status": "major"}'],
)
def test_malformed_generic_payloads_are_4xx(client, components, body):
    url = make_source("generic", "g")
    assert 400 <= post(client, url, body).status_code < 500


def test_an_oversized_payload_is_413(client, components, settings):
    url = make_source("alertmanager")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    payload = alertmanager(components["credit"].pk, annotations={"summary": "x" * 5000})
    assert post(client, url, payload).status_code == 413
    assert status_of(components["credit"]) == "operational"


def test_disabling_or_deleting_a_source_takes_its_alerts_off(client, components):
    from statuspage.monitors.alerts import delete_source, save_source

    url = make_source("alertmanager")
    credit = components["credit"]
    post(client, url, alertmanager(credit.pk))
    source = AlertSource.objects.get()
    source.enabled = False
    save_source(source)
    assert status_of(credit) == "operational"
    assert post(client, url, alertmanager(credit.pk)).status_code == 401  # its URL is off too
    source.enabled = True
    save_source(source)
    assert status_of(credit) == "major_outage"
    delete_source(source)
    assert status_of(credit) == "operational"


def test_a_late_repeat_of_an_older_episode_does_not_rewind_a_newer_one(client, components):
    url = make_source("alertmanager")
    credit = components["credit"]
    post(client, url, alertmanager(credit.pk, startsAt="2026-11-30T11:00:00Z"))
    post(client, url, alertmanager(credit.pk, startsAt="2026-11-30T09:00:00Z"))  # late repeat
    assert AlertState.objects.get().starts_at.hour == 11
    post(client, url, alertmanager(credit.pk, "resolved", startsAt="2026-11-30T11:00:00Z"))
    assert status_of(credit) == "operational"


def test_the_webhook_needs_no_csrf_token_or_session(components):
    from django.test import Client

    url = make_source("alertmanager")
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, url, alertmanager(components["credit"].pk)).status_code == 200
    assert status_of(components["credit"]) == "major_outage"
