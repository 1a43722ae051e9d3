"""A probe's recent latency as a small SVG, drawn on the server (no script, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from statuspage.monitors.models import ProbeResult

WIDTH, HEIGHT, PAD = 600, 120, 4
# Presentation attributes, not a <style>: the admin's Content-Security-Policy allows no inline CSS.
LINE, FAILED, THRESHOLD = "#2563eb", "#dc2626", "#d97706"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    failed: bool
    title: str


def latency_chart(results: Sequence[ProbeResult], *, threshold_ms: int | None = None) -> SafeString:
    """Oldest left; a line through the latencies, failures as red marks on the baseline."""
    if not results:
        return format_html("<p>{}</p>", _("No results yet."))
    ordered = sorted(results, key=lambda r: (r.at, r.pk or 0))
    top = max([r.latency_ms or 0 for r in ordered] + [threshold_ms or 0, 1])
    step = (WIDTH - 2 * PAD) / max(len(ordered) - 1, 1)
    points = [
        Point(
            x=PAD + n * step,
            y=HEIGHT - PAD - (result.latency_ms or 0) / top * (HEIGHT - 2 * PAD),
            failed=bool(result.error),
            title=f"{result.at:%Y-%m-%d %H:%M:%S} UTC · {result.latency_ms} ms"
            + (f" · {result.error}" if result.error else ""),
        )
        for n, result in enumerate(ordered)
    ]
    line = " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)
    marks = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="{}" fill="{}"><title>{}</title></circle>',
        (
            (
                f"{p.x:.1f}",
                f"{HEIGHT - PAD if p.failed else p.y:.1f}",
                3 if p.failed else 1.5,
                colour,
                p.title,
            )
            for p in points
            for colour in [FAILED if p.failed else LINE]
        ),
    )
    limit = ""
    if threshold_ms:
        y = HEIGHT - PAD - threshold_ms / top * (HEIGHT - 2 * PAD)
        limit = format_html(
            '<line x1="0" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-dasharray="4 3"/>',
            WIDTH,
            f"{y:.1f}",
            f"{y:.1f}",
            THRESHOLD,
        )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="latency-chart" viewBox="0 0 {} {}"'
        ' width="{}" height="{}" role="img" aria-label="{}">'
        '{}<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/>{}</svg>'
        "<p>{}</p>",
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        _("Latency of the last %(count)d checks") % {"count": len(ordered)},
        limit,
        line,
        LINE,
        marks,
        _("Highest: %(top)d ms. Red marks are failed checks.") % {"top": top},
    )
