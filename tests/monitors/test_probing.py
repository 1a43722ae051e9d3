"""Probes against a real local server: what counts as a failure, thresholds, hysteresis, the
status log, and a hanging target that delays no other."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from statuspage.monitors import probing
from statuspage.monitors.models import MonitoringFailure, Probe, ProbeResult
from statuspage.status import services
from statuspage.status.models import Component, StatusChange


def check_once(probe: Probe) -> ProbeResult:
    probing.run([Probe.objects.get(pk=probe.pk)])
    return ProbeResult.objects.filter(probe=probe).order_by("-pk").first()


def status_of(component: Component) -> str:
    return Component.objects.get(pk=component.pk).status


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("healthy", ""),
        ("slow", ""),
        ("error", "HTTP 500, expected 200-299"),
        ("wrong_text", "“borrowing works” not in the response"),
    ],
)
def test_a_result_says_what_the_target_answered(components, target, add_probe, mode, error):
    probe = add_probe(components["credit"], target.url, expect_text="borrowing works")
    target.mode = mode
    result = check_once(probe)
    assert result.error == error
    assert result.status_code == (500 if mode == "error" else 200)
    assert result.latency_ms is not None
    if mode == "slow":
        assert result.latency_ms >= 400


def test_text_that_must_not_appear_is_a_failure(components, target, add_probe):
    probe = add_probe(components["credit"], target.url, reject_text="maintenance")
    target.mode = "wrong_text"
    assert check_once(probe).error == "“maintenance” in the response"


def test_a_target_that_is_down_is_a_failure_without_a_status(components, target, add_probe):
    probe = add_probe(components["credit"], target.url)
    target.stop()
    result = check_once(probe)
    assert result.status_code is None
    assert "ClientConnectorError" in result.error


def test_a_hanging_target_times_out(components, target, add_probe):
    probe = add_probe(components["credit"], target.url, timeout_seconds=0.5)
    target.mode = "hang"
    started = time.monotonic()
    result = check_once(probe)
    assert time.monotonic() - started < 2
    assert result.error == "no answer within 0.5 s"


def test_failures_move_the_component_through_the_thresholds(components, target, add_probe):
    credit = components["credit"]
    probe = add_probe(credit, target.url, degraded_after=2, partial_after=3, outage_after=4)
    target.mode = "error"
    seen = []
    for _ in range(4):
        check_once(probe)
        seen.append(status_of(credit))
    assert seen == ["operational", "degraded_performance", "partial_outage", "major_outage"]
    change = StatusChange.objects.filter(component=credit).first()
    assert change.cause == "monitor"
    assert change.actor == f"probe {probe.pk}: {target.url}"


def test_recovery_needs_enough_successes_in_a_row(components, target, add_probe):
    credit = components["credit"]
    probe = add_probe(credit, target.url, degraded_after=1, outage_after=2, recover_after=2)
    target.mode = "error"
    check_once(probe)
    check_once(probe)
    assert status_of(credit) == "major_outage"
    target.mode = "healthy"
    check_once(probe)
    assert status_of(credit) == "major_outage"
    check_once(probe)
    assert status_of(credit) == "operational"
    assert StatusChange.objects.filter(component=credit).first().old_status == "major_outage"


def test_a_flapping_target_does_not_flap_the_component(components, target, add_probe):
    credit = components["credit"]
    probe = add_probe(credit, target.url, degraded_after=2, outage_after=4, recover_after=2)
    for mode in ["error", "healthy"] * 5:
        target.mode = mode
        check_once(probe)
    assert status_of(credit) == "operational"
    assert not StatusChange.objects.filter(component=credit, cause="monitor").exists()
    target.mode = "error"
    check_once(probe)
    check_once(probe)
    for mode in ["healthy", "error"] * 3:
        target.mode = mode
        check_once(probe)
    assert status_of(credit) == "degraded_performance"  # down once, never up twice in a row


def test_slow_answers_mean_degraded_performance(components, target, add_probe):
    credit = components["credit"]
    probe = add_probe(credit, target.url, latency_threshold_ms=200, degraded_after=2)
    target.mode = "slow"
    check_once(probe)
    check_once(probe)
    assert status_of(credit) == "degraded_performance"
    target.mode = "healthy"
    check_once(probe)
    check_once(probe)
    assert status_of(credit) == "operational"


def test_an_outage_answering_slowly_again_is_degraded(components, target, add_probe):
    credit = components["credit"]
    probe = add_probe(
        credit, target.url, latency_threshold_ms=200, degraded_after=1, outage_after=1
    )
    target.mode = "error"
    check_once(probe)
    assert status_of(credit) == "major_outage"
    target.mode = "slow"
    check_once(probe)
    check_once(probe)
    assert status_of(credit) == "degraded_performance"


def test_monitors_do_not_lower_what_an_operator_set(components, target, add_probe, operator):
    credit = components["credit"]
    credit.status = "major_outage"
    services.save_component(credit, author=operator)
    probe = add_probe(credit, target.url, degraded_after=1, recover_after=1)
    target.mode = "error"
    check_once(probe)
    target.mode = "healthy"
    check_once(probe)
    assert status_of(credit) == "major_outage"


def test_monitors_leave_a_component_under_maintenance_alone(components, target, add_probe):
    credit = components["credit"]
    services.set_component_status(credit, "under_maintenance")
    probe = add_probe(credit, target.url, degraded_after=1, outage_after=1)
    target.mode = "error"
    check_once(probe)
    assert status_of(credit) == "under_maintenance"


def test_the_worst_probe_of_a_component_wins(components, target_factory, add_probe):
    credit = components["credit"]
    good, bad = target_factory(), target_factory()
    add_probe(credit, good.url, degraded_after=1)
    add_probe(credit, bad.url, degraded_after=1, outage_after=1)
    bad.mode = "error"
    probing.run(list(Probe.objects.all()))
    assert status_of(credit) == "major_outage"


def test_a_hanging_target_does_not_delay_the_others(components, target_factory, add_probe):
    healthy = [target_factory() for _ in range(5)]
    hanging = [target_factory() for _ in range(2)]
    for target in hanging:
        target.mode = "hang"
    for target in healthy + hanging:
        add_probe(components["credit"], target.url, timeout_seconds=3)
    started = time.monotonic()
    recorded_at = {}
    original = probing.record

    def timed(probe, outcome, **kwargs):
        recorded_at[probe.url] = time.monotonic() - started
        return original(probe, outcome, **kwargs)

    probing.record = timed
    try:
        probing.run(list(Probe.objects.all()))
    finally:
        probing.record = original
    assert all(recorded_at[t.url] < 1.5 for t in healthy)
    assert all(3 <= recorded_at[t.url] < 5 for t in hanging)
    assert time.monotonic() - started < 5


def test_when_every_probe_gets_no_answer_no_component_changes(
    components, target_factory, add_probe
):
    targets = [target_factory() for _ in range(3)]
    for n, target in enumerate(targets):
        add_probe(
            components["credit" if n else "limit"], target.url, degraded_after=1, outage_after=1
        )
        target.stop()
    probing.run(list(Probe.objects.all()))
    probing.run(list(Probe.objects.all()))
    assert status_of(components["credit"]) == "operational"
    assert status_of(components["limit"]) == "operational"
    assert ProbeResult.objects.filter(error="").count() == 0
    assert ProbeResult.objects.count() == 6  # recorded for the chart, but moved nothing
    failure = MonitoringFailure.current()
    assert failure is not None and failure.runs == 2
    assert MonitoringFailure.objects.count() == 1


def test_a_run_where_something_answers_is_not_our_fault(components, target_factory, add_probe):
    up, down = target_factory(), target_factory()
    add_probe(components["credit"], up.url)
    add_probe(components["limit"], down.url, degraded_after=1, outage_after=1)
    down.stop()
    MonitoringFailure.objects.create(detail="earlier")
    probing.run(list(Probe.objects.all()))
    assert status_of(components["limit"]) == "major_outage"
    assert MonitoringFailure.current() is None


def test_old_results_are_pruned(components, target, add_probe, settings):
    settings.MONITOR_RESULTS_MAX_AGE_HOURS = 1
    probe = add_probe(components["credit"], target.url)
    ProbeResult.objects.create(probe=probe, at=timezone.now() - timedelta(hours=2), latency_ms=1)
    kept = ProbeResult.objects.create(probe=probe, latency_ms=1)
    assert probing.prune() == 1
    assert list(ProbeResult.objects.all()) == [kept]


def test_probes_cannot_reach_private_addresses_unless_the_setting_allows(
    components, target, add_probe, settings
):
    probe = add_probe(components["credit"], target.url, degraded_after=1, outage_after=1)
    settings.ALLOW_PRIVATE_ADDRESSES = False
    result = check_once(probe)
    assert target.hits == 0
    assert result.status_code is None
    assert "not a public address" in result.error or "not allowed" in result.error
    assert MonitoringFailure.current() is None  # our own rule, not our network


def test_two_hundred_probes_with_twenty_hanging_all_finish_in_time(
    components, target_factory, add_probe
):
    healthy = [target_factory() for _ in range(6)]
    hanging = [target_factory() for _ in range(2)]
    for target in hanging:
        target.mode = "hang"
    for n in range(180):
        add_probe(components["credit"], f"{healthy[n % 6].url}?n={n}", timeout_seconds=4)
    for n in range(20):
        add_probe(components["limit"], f"{hanging[n % 2].url}?n={n}", timeout_seconds=4)
    started, started_at = time.monotonic(), timezone.now()
    probing.run(list(Probe.objects.all()))
    elapsed = time.monotonic() - started
    healthy_results = ProbeResult.objects.filter(probe__component=components["credit"])
    hanging_results = ProbeResult.objects.filter(probe__component=components["limit"])
    assert healthy_results.filter(error="").count() == 180
    assert hanging_results.filter(error="no answer within 4 s").count() == 20
    last_healthy = max(r.at for r in healthy_results)
    first_hanging = min(r.at for r in hanging_results)
    assert (last_healthy - started_at).total_seconds() < 3  # the healthy did not wait
    assert (first_hanging - started_at).total_seconds() >= 4
    assert elapsed < 7


def test_disabling_or_deleting_a_failing_probe_gives_the_component_back(
    components, target, add_probe
):
    from statuspage.monitors.signals import delete_probe, save_probe

    credit = components["credit"]
    probe = add_probe(credit, target.url, degraded_after=1, outage_after=1)
    target.mode = "error"
    check_once(probe)
    assert status_of(credit) == "major_outage"
    probe.refresh_from_db()
    probe.enabled = False
    save_probe(probe)
    assert status_of(credit) == "operational"
    assert Probe.objects.get(pk=probe.pk).state == "operational"
    probe.enabled = True
    save_probe(probe)
    check_once(probe)
    assert status_of(credit) == "major_outage"
    delete_probe(Probe.objects.get(pk=probe.pk))
    assert status_of(credit) == "operational"
