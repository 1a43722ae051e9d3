"""add_probe: a probe from the command line, or a clear error and nothing added."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from statuspage.monitors.models import Probe


def add(*args: str) -> str:
    out = StringIO()
    call_command("add_probe", *args, stdout=out)
    return out.getvalue()


def test_it_adds_a_probe_with_the_options_given(components):
    credit = components["credit"]
    output = add(
        credit.pk,
        "https://credit.example.org/health",
        "--interval",
        "30",
        "--timeout",
        "3",
        "--expect-status",
        "200-299,304",
        "--expect-text",
        "ok",
        "--degraded-after",
        "3",
        "--outage-after",
        "6",
        "--recover-after",
        "4",
    )
    probe = Probe.objects.get()
    assert f"Probe {probe.pk} added" in output
    assert (probe.component, probe.interval_seconds, probe.timeout_seconds) == (credit, 30, 3)
    assert (probe.expected_status, probe.expect_text) == ("200-299,304", "ok")
    assert (probe.degraded_after, probe.outage_after, probe.recover_after) == (3, 6, 4)


def test_defaults_follow_the_issue(components):
    add(components["credit"].pk, "https://credit.example.org/")
    probe = Probe.objects.get()
    assert (probe.interval_seconds, probe.timeout_seconds, probe.expected_status) == (
        10,
        5,
        "200-299",
    )
    assert (probe.degraded_after, probe.outage_after, probe.recover_after) == (2, 4, 2)
    assert not probe.publish_automatically  # a draft waits for an operator


def test_a_probe_can_publish_automatically(components):
    add(components["credit"].pk, "https://credit.example.org/", "--publish-automatically")
    assert Probe.objects.get().publish_automatically


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "https://a.example/"], "No component has the id “nope”"),
        (["{credit}", "ftp://a.example/"], "url"),
        (["{credit}", "http://127.0.0.1/"], "not a public address"),
        (["{credit}", "https://a.example/", "--interval", "5"], "interval_seconds"),
        (["{credit}", "https://a.example/", "--timeout", "10"], "shorter than the interval"),
        (["{credit}", "https://a.example/", "--expect-status", "2xx"], "“2xx” is not a status"),
        (["{credit}", "https://a.example/", "--outage-after", "1"], "fewer failures"),
    ],
)
def test_bad_arguments_are_clear_errors_and_add_nothing(components, args, message):
    args = [a.format(credit=components["credit"].pk) for a in args]
    with pytest.raises(CommandError, match=message):
        add(*args)
    assert not Probe.objects.exists()
