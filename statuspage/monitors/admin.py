"""Probes, alert sources and what they found, in the admin. A probe's page shows its latency."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from statuspage.monitors import alerts, signals
from statuspage.monitors.chart import latency_chart
from statuspage.monitors.models import AlertSource, AlertState, MonitoringFailure, Probe

CHART_RESULTS = 120


def warn_if_monitoring_fails(request: HttpRequest) -> None:
    failure = MonitoringFailure.current()
    if failure is not None:
        messages.error(
            request,
            _(
                "Monitoring itself is failing since %(since)s: no probe reaches its target, so "
                "no component is changed by probes. Check this server's network. (%(detail)s)"
            )
            % {
                "since": failure.started_at.strftime("%Y-%m-%d %H:%M UTC"),
                "detail": failure.detail,
            },
        )


@admin.register(Probe)
class ProbeAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default
    list_display = [
        "__str__",
        "component",
        "state",
        "interval_seconds",
        "enabled",
        "last_checked_at",
    ]
    list_filter = ["enabled", "state", "component"]
    list_select_related = ["component"]
    readonly_fields = ["state", "last_checked_at", "latency"]
    fieldsets = [
        (None, {"fields": ["component", "url", "method", "enabled", "publish_automatically"]}),
        (
            _("What counts as working"),
            {
                "fields": [
                    "expected_status",
                    "expect_text",
                    "reject_text",
                    "timeout_seconds",
                    "latency_threshold_ms",
                ]
            },
        ),
        (
            _("When the component changes"),
            {
                "fields": [
                    "interval_seconds",
                    "degraded_after",
                    "partial_after",
                    "outage_after",
                    "recover_after",
                ]
            },
        ),
        (_("Recent results"), {"fields": ["state", "last_checked_at", "latency"]}),
    ]

    @admin.display(description=_("latency"))
    def latency(self, probe: Probe):
        if probe.pk is None:
            return "-"
        results = list(probe.results.order_by("-at", "-pk")[:CHART_RESULTS])
        return latency_chart(results, threshold_ms=probe.latency_threshold_ms)

    def changelist_view(self, request, extra_context=None):
        warn_if_monitoring_fails(request)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj: Probe, form, change) -> None:
        signals.save_probe(obj)

    def delete_model(self, request, obj: Probe) -> None:
        signals.delete_probe(obj)

    def delete_queryset(self, request, queryset) -> None:
        for probe in queryset:
            signals.delete_probe(probe)


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "enabled", "last_received_at"]
    fields = ["name", "kind", "enabled", "severity_map", "last_received_at"]
    readonly_fields = ["kind", "last_received_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `manage.py create_alert_source` prints the secret URL, once

    def save_model(self, request, obj: AlertSource, form, change) -> None:
        alerts.save_source(obj)

    def delete_model(self, request, obj: AlertSource) -> None:
        alerts.delete_source(obj)

    def delete_queryset(self, request, queryset) -> None:
        for source in queryset:
            alerts.delete_source(source)


@admin.register(AlertState)
class AlertStateAdmin(admin.ModelAdmin):
    list_display = [
        "fingerprint",
        "source",
        "component",
        "status",
        "firing",
        "starts_at",
        "summary",
    ]
    list_filter = ["firing", "source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(MonitoringFailure)
class MonitoringFailureAdmin(admin.ModelAdmin):
    list_display = ["started_at", "last_seen_at", "ended_at", "runs", "detail"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
