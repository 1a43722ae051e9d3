"""What watches the components by itself: HTTP probes and the alerts other monitoring sends.

Each probe and each firing alert is a *signal* about one component; `signals.reconcile` turns a
component's signals into its status. A probe's own state moves with hysteresis (a number of
consecutive results in a row), an alert's with the firing/resolved events its source sends.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from statuspage.lib import outbound
from statuspage.status.models import Component, ComponentStatus

# Worst last: a signal's status is compared by its place here.
SIGNALS = [
    ComponentStatus.OPERATIONAL,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
]
SEVERITY: list[str] = [s.value for s in SIGNALS]
SIGNAL_STATUSES = [(s.value, s.label) for s in SIGNALS]
MIN_INTERVAL_SECONDS = 10
_RANGE = re.compile(r"^\s*([1-5]\d\d)\s*(?:-\s*([1-5]\d\d)\s*)?$")


def worst(*statuses: str) -> str:
    return max(statuses, key=SEVERITY.index, default=ComponentStatus.OPERATIONAL)


def parse_status_ranges(text: str) -> list[tuple[int, int]]:
    """ "200-299,304" → [(200, 299), (304, 304)]; ValueError on anything else."""
    ranges = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(part.strip())
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if high < low:
            raise ValueError(part.strip())
        ranges.append((low, high))
    return ranges


def validate_status_ranges(text: str) -> None:
    try:
        parse_status_ranges(text)
    except ValueError as exc:
        raise ValidationError(
            _("“%(part)s” is not a status code or range such as 200-299."),
            params={"part": str(exc)},
        ) from exc


class Probe(models.Model):
    """An HTTP check of one component, run every `interval_seconds` by beat and the workers."""

    class Method(models.TextChoices):
        GET = "GET", "GET"
        HEAD = "HEAD", "HEAD"

    component = models.ForeignKey(
        Component, related_name="probes", on_delete=models.CASCADE, verbose_name=_("component")
    )
    url = models.URLField(_("URL"), max_length=2000)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default="GET")
    expected_status = models.CharField(
        _("expected status codes"),
        max_length=100,
        default="200-299",
        validators=[validate_status_ranges],
        help_text=_("Codes and ranges, comma-separated, e.g. 200-299,304."),
    )
    expect_text = models.CharField(_("text that must appear"), max_length=200, blank=True)
    reject_text = models.CharField(_("text that must not appear"), max_length=200, blank=True)
    timeout_seconds = models.FloatField(
        _("timeout (seconds)"),
        default=5,
        validators=[MinValueValidator(0.5), MaxValueValidator(60)],
    )
    interval_seconds = models.PositiveIntegerField(
        _("interval (seconds)"),
        default=MIN_INTERVAL_SECONDS,
        validators=[MinValueValidator(MIN_INTERVAL_SECONDS), MaxValueValidator(24 * 3600)],
    )
    degraded_after = models.PositiveSmallIntegerField(
        _("failures before degraded"), default=2, validators=[MinValueValidator(1)]
    )
    partial_after = models.PositiveSmallIntegerField(
        _("failures before partial outage"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: go from degraded straight to a major outage."),
    )
    outage_after = models.PositiveSmallIntegerField(
        _("failures before major outage"), default=4, validators=[MinValueValidator(1)]
    )
    recover_after = models.PositiveSmallIntegerField(
        _("successes before recovered"), default=2, validators=[MinValueValidator(1)]
    )
    latency_threshold_ms = models.PositiveIntegerField(
        _("slow above (ms)"),
        null=True,
        blank=True,
        help_text=_("A success slower than this counts towards degraded performance."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    publish_automatically = models.BooleanField(
        _("publish automatically"),
        default=False,
        help_text=_(
            "When this probe moves the component, publish the incident at once (subscribers "
            "are told) instead of leaving a draft for an operator."
        ),
    )
    # The state the results so far have led to, and the streaks that move it.
    state = models.CharField(
        _("state"), max_length=32, choices=SIGNAL_STATUSES, default="operational", editable=False
    )
    down_streak = models.PositiveIntegerField(_("down streak"), default=0, editable=False)
    bad_streak = models.PositiveIntegerField(
        _("bad streak"), default=0, editable=False
    )  # slow or down
    up_streak = models.PositiveIntegerField(_("up streak"), default=0, editable=False)
    answer_streak = models.PositiveIntegerField(
        _("answer streak"), default=0, editable=False
    )  # slow or up
    # The last slot (start of an interval) a run was claimed for: a conditional UPDATE moves it.
    claimed_slot = models.DateTimeField(_("claimed slot"), null=True, editable=False)
    last_checked_at = models.DateTimeField(_("last checked"), null=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["component", "pk"]
        verbose_name = _("probe")
        verbose_name_plural = _("probes")

    def __str__(self) -> str:
        return f"{self.method} {self.url}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.url:
            try:
                outbound.check_url(self.url, allow_private=settings.ALLOW_PRIVATE_ADDRESSES)
            except outbound.RefusedURL as exc:
                errors["url"] = str(exc)
        if (
            self.timeout_seconds is not None
            and self.interval_seconds is not None
            and self.timeout_seconds >= self.interval_seconds
        ):
            errors["timeout_seconds"] = _("The timeout must be shorter than the interval.")
        if self.degraded_after and self.outage_after and self.outage_after < self.degraded_after:
            errors["outage_after"] = _("A major outage cannot need fewer failures than degraded.")
        if self.partial_after and not (
            (self.degraded_after or 0) <= self.partial_after <= (self.outage_after or 0)
        ):
            errors["partial_after"] = _(
                "A partial outage needs between the failures for degraded and for a major outage."
            )
        if errors:
            raise ValidationError(errors)

    def slot(self, now: datetime) -> datetime:
        """The start of the interval `now` falls in: each slot is run at most once."""
        seconds = int(now.timestamp()) // self.interval_seconds * self.interval_seconds
        return datetime.fromtimestamp(seconds, tz=UTC)

    def accepts(self, status: int) -> bool:
        return any(low <= status <= high for low, high in parse_status_ranges(self.expected_status))

    def record(self, result: ProbeResult) -> str:
        """Move the streaks and the state by one result; returns the new state (not saved).

        Hysteresis: failures only ever raise the state and successes only lower it, each after
        enough of them in a row, so a target that alternates stays where it is.
        """
        down = bool(result.error)
        slow = not down and self.is_slow(result)
        self.down_streak = self.down_streak + 1 if down else 0
        self.bad_streak = self.bad_streak + 1 if down or slow else 0
        self.up_streak = 0 if down or slow else self.up_streak + 1
        self.answer_streak = 0 if down else self.answer_streak + 1
        state = self.state
        if self.up_streak >= self.recover_after:
            state = ComponentStatus.OPERATIONAL
        elif self.answer_streak >= self.recover_after and state != ComponentStatus.OPERATIONAL:
            state = ComponentStatus.DEGRADED_PERFORMANCE  # answering again, but slowly
        if self.down_streak >= self.outage_after:
            state = worst(state, ComponentStatus.MAJOR_OUTAGE)
        elif self.partial_after and self.down_streak >= self.partial_after:
            state = worst(state, ComponentStatus.PARTIAL_OUTAGE)
        if self.bad_streak >= self.degraded_after:
            state = worst(state, ComponentStatus.DEGRADED_PERFORMANCE)
        self.state = state
        return state

    def is_slow(self, result: ProbeResult) -> bool:
        return (
            self.latency_threshold_ms is not None
            and result.latency_ms is not None
            and result.latency_ms > self.latency_threshold_ms
        )


class ProbeResult(models.Model):
    """One check, kept compact and pruned after MONITOR_RESULTS_MAX_AGE_HOURS. No error: it
    passed (slow or not)."""

    probe = models.ForeignKey(
        Probe, related_name="results", on_delete=models.CASCADE, verbose_name=_("probe")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    error = models.CharField(_("error"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["probe", "at"]), models.Index(fields=["at"])]
        verbose_name = _("probe result")
        verbose_name_plural = _("probe results")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.error or 'ok'}"


class MonitoringFailure(models.Model):
    """An episode of "monitoring itself is failing": every probe of a run failed without an
    answer, so the fault is most likely ours (our network, DNS) and no component was changed.
    One row per episode; `ended_at` is set by the first run that reaches a target again."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("failed runs"), default=1)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("monitoring failure")
        verbose_name_plural = _("monitoring failures")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.detail}"

    @classmethod
    def current(cls) -> MonitoringFailure | None:
        return cls.objects.filter(ended_at__isnull=True).order_by("-started_at").first()


class AlertSource(models.Model):
    """Another monitoring system (Alertmanager, Grafana, any tool that POSTs JSON) allowed to
    move components through a secret URL. Only the token's hash is kept."""

    class Kind(models.TextChoices):
        ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
        GRAFANA = "grafana", "Grafana"
        GENERIC = "generic", _("Generic JSON")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    severity_map = models.JSONField(
        _("severity to status"),
        default=dict,
        blank=True,
        help_text=_(
            'The label "severity" mapped to a component status, e.g. {"page": "major_outage"};'
            " critical and warning are mapped already."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_received_at = models.DateTimeField(_("last received"), null=True, editable=False)

    DEFAULT_SEVERITIES = {
        "critical": ComponentStatus.MAJOR_OUTAGE.value,
        "warning": ComponentStatus.DEGRADED_PERFORMANCE.value,
    }

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert source")
        verbose_name_plural = _("alert sources")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.severity_map, dict) or not all(
            isinstance(k, str) and v in dict(SIGNAL_STATUSES) and v != "operational"
            for k, v in self.severity_map.items()
        ):
            raise ValidationError(
                {
                    "severity_map": _(
                        "Map severities to degraded_performance, partial_outage or major_outage."
                    )
                }
            )

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def new_token(self) -> str:
        """A fresh secret for this source (the old one stops working); shown once."""
        token = secrets.token_urlsafe(32)
        self.token_hash = self.hash_token(token)
        return token

    @classmethod
    def by_token(cls, token: str) -> AlertSource | None:
        return cls.objects.filter(token_hash=cls.hash_token(token), enabled=True).first()

    def status_for(self, severity: str) -> str:
        """The component status an alert of this severity means; unknown ones are outages."""
        mapping = {**self.DEFAULT_SEVERITIES, **self.severity_map}
        return mapping.get(severity.strip().lower(), ComponentStatus.MAJOR_OUTAGE.value)


class AlertState(models.Model):
    """The last state of one alert (by fingerprint) from one source: firing alerts are signals.

    The times are the alert's own (startsAt/endsAt), so events delivered out of order are
    recognised: a resolve older than the firing it would end, or a firing already resolved.
    """

    source = models.ForeignKey(
        AlertSource, related_name="alerts", on_delete=models.CASCADE, verbose_name=_("source")
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=128)
    component = models.ForeignKey(
        Component, related_name="alerts", on_delete=models.CASCADE, verbose_name=_("component")
    )
    status = models.CharField(_("status"), max_length=32, choices=SIGNAL_STATUSES)
    firing = models.BooleanField(_("firing"), default=True)
    starts_at = models.DateTimeField(_("started"))
    ends_at = models.DateTimeField(_("ended"), null=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "fingerprint"], name="one_state_per_alert")
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.source}: {self.fingerprint}"


class Reminder(models.Model):
    """A reminder sent (or being sent) to the operators: the component has been off operational
    for `minutes` since `since` with no published incident. The unique row is the claim: of two
    beats checking at once, one inserts it and sends, the other's insert fails and it does not."""

    component = models.ForeignKey(
        Component, related_name="+", on_delete=models.CASCADE, verbose_name=_("component")
    )
    since = models.DateTimeField(_("off operational since"))
    minutes = models.PositiveIntegerField(_("after (minutes)"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["component", "since", "minutes"], name="one_reminder_per_threshold"
            )
        ]
        ordering = ["-sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self) -> str:
        return f"{self.component_id} {self.minutes} min"
