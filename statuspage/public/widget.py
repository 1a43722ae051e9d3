"""What the lender embeds in its own site and app: the widget (a script and its JSON) and badges.

The widget shows a small banner only while something is wrong: which functions work, the open
notice (what, why, what we guarantee, the channels to use meanwhile, when it should be back,
when the next update comes) and a link to the page, in the visitor's language. Its
JSON is readable cross-origin without cookies and, like the script and the badges, is rendered
once per page version and served from the response cache.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import tzinfo
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
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from statuspage.public.views import expires
from statuspage.readpath.cache import cached
from statuspage.status.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentKind,
    Page,
    StatusEmbedConfig,
)
from statuspage.status.notice import IncidentNotice, banner_line, open_notices
from statuspage.status.rollup import current_indicator

WIDGET_SCRIPT = "js/widget.js"
LANGUAGE_PATTERN = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)


def _incident(incident: Incident, notice: IncidentNotice, zone: tzinfo) -> dict:
    """An open incident or maintenance as the banner tells it: the structured notice (its
    summary, cause, reassurances, channels, expected recovery, next update; see
    statuspage/status/notice.py) with the components it affects."""
    return {
        "id": incident.pk,
        "name": notice.title,
        "impact": incident.impact,
        "components": [str(c.name) for c in incident.components.all()],
        **notice.as_json(zone),
    }


def widget_payload() -> tuple[dict, list[IncidentNotice]]:
    """Everything the banner says, in the active language; `ok` means "show nothing". With it,
    the notices it tells (their promises decide until when it holds)."""
    page = Page.get()
    zone = page.zone
    components = list(Component.objects.select_related("group"))
    functions, notices = open_notices()
    shown = {n.id: n for n in notices if n.kind != IncidentKind.ANNOUNCEMENT}
    unresolved = list(Incident.objects.unresolved_incidents().with_details())
    maintenance = list(Incident.objects.active_maintenance().with_details())
    incidents = [i for i in [*unresolved, *maintenance] if i.pk in shown]
    indicator = current_indicator(components, unresolved)
    embed = StatusEmbedConfig.get()
    payload = {
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
        "ok": indicator.indicator == "none" and not incidents and all(f.works for f in functions),
        "language": get_language(),
        "banner": banner_line(functions),
        "functions": [{"id": f.id, "name": f.name, "state": f.state} for f in functions],
        "affected": [str(c.name) for c in components if c.status != ComponentStatus.OPERATIONAL],
        "incidents": [_incident(i, shown[i.pk], zone) for i in incidents],
        "text": {
            "affects": _("Affects:"),
            "and": pgettext("between names in a list", ", "),
            "meanwhile": _("Meanwhile, use"),
            "expected": _("Expected back"),
            "reassessing": _("The expected time has passed; we are reassessing it."),
            "next_update": _("Next update by"),
            "overdue": _("(overdue)"),
            "details": _("Current status"),
            "close": _("Close"),
        },
    }
    return payload, list(shown.values())


@require_safe
@cached()
def widget_json(request: HttpRequest, language: str | None = None) -> HttpResponse:
    """The widget's data in the visitor's language (Accept-Language), or in `language`."""
    with translation.override(language or get_language()):
        payload, notices = widget_payload()
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    # Stored with the cached response: the WSGI fast path answers without the CORS middleware.
    response["Access-Control-Allow-Origin"] = "*"
    expires(response, notices)  # a promise that passes turns into "being reassessed"
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
