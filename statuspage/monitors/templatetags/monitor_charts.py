"""The component's admin page shows its probes with their latency charts. The page's template
loads this tag (status's admin imports nothing of monitors: the dependency stays one way)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.safestring import SafeString

from statuspage.monitors.chart import latency_chart
from statuspage.monitors.models import Probe

register = template.Library()
CHART_RESULTS = 120


@dataclass(frozen=True)
class ProbeChart:
    probe: Probe
    chart: SafeString


@register.simple_tag
def probe_charts(component) -> list[ProbeChart]:
    """Every probe of `component`, each with its last results drawn."""
    if component is None or component.pk is None:
        return []
    return [
        ProbeChart(
            probe,
            latency_chart(
                list(probe.results.order_by("-at", "-pk")[:CHART_RESULTS]),
                threshold_ms=probe.latency_threshold_ms,
            ),
        )
        for probe in Probe.objects.filter(component=component).order_by("pk")
    ]
