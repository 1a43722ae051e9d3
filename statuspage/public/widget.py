"""What the lender embeds in its own site and app: the widget (a script and its JSON) and badges.

The widget shows a small banner only while something is wrong: what is affected, the channel to
use meanwhile, when it should be back, and a link to the page, in the visitor's language. Its
JSON is readable cross-origin without cookies and, like the script and the badges, is rendered
once per page version and served from the response cache.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, re_path
from django.utils import translation
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from statuspage.readpath.cache import cached
from statuspage.status.models import (
    Component,
    ComponentStatus,
    Incident,
    Page,
    StatusEmbedConfig,
)
from statuspage.status.rollup import current_indicator

WIDGET_SCRIPT = "js/widget.js"
LANGUAGE_PATTERN = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)


def _incident(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "name": incident.name,
        "kind": incident.kind,
        "status": incident.status,
        "impact": incident.impact,
        "components": [c.name for c in incident.components.all()],
        "alternative_channel": incident.alternative_channel or None,
        "expected_recovery_at": incident.expected_recovery_at.isoformat()
        if incident.expected_recovery_at
        else None,
        "url": incident.shortlink,
    }


def widget_payload() -> dict:
    """Everything the banner says, in the active language; `ok` means "show nothing"."""
    page = Page.get()
    components = list(Component.objects.select_related("group"))
    unresolved = list(Incident.objects.unresolved_incidents().with_details())
    maintenance = list(Incident.objects.active_maintenance().with_details())
    indicator = current_indicator(components, unresolved)
    embed = StatusEmbedConfig.get()
    return {
        "page": {"id": page.pk, "name": str(page.name), "url": page.url},
        "embed": {  # set by the operator through /v1/pages/{id}/status_embed_config
            "position": embed.position,
            "incident": {
                "background": embed.incident_background_color,
                "text": embed.incident_text_color,
            },
            "maintenance": {
                "background": embed.maintenance_background_color,
                "text": embed.maintenance_text_color,
            },
        },
        "status": {
            "indicator": indicator.indicator,
            "description": indicator.translated_description,
        },
        "ok": indicator.indicator == "none" and not unresolved and not maintenance,
        "language": get_language(),
        "affected": [c.name for c in components if c.status != ComponentStatus.OPERATIONAL],
        "incidents": [_incident(i) for i in [*unresolved, *maintenance]],
        "text": {
            "affects": _("Affects:"),
            "meanwhile": _("Meanwhile, use"),
            "expected": _("Expected back"),
            "details": _("Current status"),
            "close": _("Close"),
        },
    }


@require_safe
@cached()
def widget_json(request: HttpRequest, language: str | None = None) -> HttpResponse:
    """The widget's data in the visitor's language (Accept-Language), or in `language`."""
    with translation.override(language or get_language()):
        response = JsonResponse(widget_payload(), json_dumps_params={"ensure_ascii": False})
    # Stored with the cached response: the WSGI fast path answers without the CORS middleware.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@cached(per_language=False)
def widget_script(request: HttpRequest) -> HttpResponse:
    found = finders.find(WIDGET_SCRIPT)
    if not isinstance(found, str):
        raise ImproperlyConfigured(f"The static file {WIDGET_SCRIPT} is missing.")
    source = Path(found).read_bytes()
    return HttpResponse(source, content_type="text/javascript; charset=utf-8")


# Badges --------------------------------------------------------------------------------------

COLOURS: dict[str, str] = {
    ComponentStatus.OPERATIONAL: "#1a7f37",
    ComponentStatus.DEGRADED_PERFORMANCE: "#8a5a00",
    ComponentStatus.PARTIAL_OUTAGE: "#b54708",
    ComponentStatus.MAJOR_OUTAGE: "#b42318",
    ComponentStatus.UNDER_MAINTENANCE: "#1f5fbf",
}
INDICATOR_COLOURS = {
    "none": COLOURS[ComponentStatus.OPERATIONAL],
    "minor": COLOURS[ComponentStatus.DEGRADED_PERFORMANCE],
    "major": COLOURS[ComponentStatus.PARTIAL_OUTAGE],
    "critical": COLOURS[ComponentStatus.MAJOR_OUTAGE],
    "maintenance": COLOURS[ComponentStatus.UNDER_MAINTENANCE],
}
PADDING = 10


def text_width(text: str) -> int:
    """Roughly how wide 11px Verdana draws `text`; the SVG stretches the text to fit exactly."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in "WF":
            width += 11
        elif char in " .,:;|!'ilI()[]":
            width += 3.7
        elif char.isupper() or char in "mwMW":
            width += 8.3
        else:
            width += 6.8
    return round(width)


@dataclass(frozen=True)
class Badge:
    label: str
    message: str
    colour: str

    @property
    def label_width(self) -> int:
        return text_width(self.label) + 2 * PADDING

    @property
    def message_width(self) -> int:
        return text_width(self.message) + 2 * PADDING

    @property
    def width(self) -> int:
        return self.label_width + self.message_width

    @property
    def label_text_length(self) -> int:
        return self.label_width - 2 * PADDING

    @property
    def message_text_length(self) -> int:
        return self.message_width - 2 * PADDING

    @property
    def label_x(self) -> float:
        return self.label_width / 2

    @property
    def message_x(self) -> float:
        return self.label_width + self.message_width / 2


def _badge(request: HttpRequest, page: Page, badge: Badge) -> HttpResponse:
    response = TemplateResponse(
        request, "public/badge.svg", {"badge": badge}, content_type="image/svg+xml; charset=utf-8"
    )
    response["Last-Modified"] = http_date(page.updated_at.timestamp())
    return response


@require_safe
@cached()
def page_badge(request: HttpRequest) -> HttpResponse:
    """The page's overall status, e.g. "Lending status | All Systems Operational"."""
    page = Page.get()
    indicator = current_indicator()
    return _badge(
        request,
        page,
        Badge(
            str(page.name), indicator.translated_description, INDICATOR_COLOURS[indicator.indicator]
        ),
    )


@require_safe
@cached()
def component_badge(request: HttpRequest, component_id: str) -> HttpResponse:
    component = get_object_or_404(Component, pk=component_id)
    return _badge(
        request,
        Page.get(),
        Badge(str(component.name), str(component.get_status_display()), COLOURS[component.status]),
    )


urlpatterns = [
    path("widget.js", widget_script, name="widget-script"),
    path("widget.json", widget_json, name="widget-json"),
    re_path(
        rf"^widget\.(?P<language>{LANGUAGE_PATTERN})\.json$",
        widget_json,
        name="widget-json-language",
    ),
    path("badge.svg", page_badge, name="page-badge"),
    path("badge/<str:component_id>.svg", component_badge, name="component-badge"),
]
