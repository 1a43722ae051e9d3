"""Statuspage's webhook payloads: the shapes of statuspage.shapes at the moment of a change.

Consumers written for Statuspage (Zulip's integration, alert bridges) dispatch on the presence
of `incident` or `component_update`; the field sets follow the compatibility reference.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation

from statuspage.lib.timestamps import statuspage_time
from statuspage.shapes.objects import FullIncidentSerializer, component_change, webhook_page
from statuspage.status.models import Incident, Page, StatusChange
from statuspage.status.rollup import current_indicator

DOCUMENTATION = "https://www.statuspage.io/"  # what Statuspage puts in meta.documentation


def _meta(page: Page, generated_at: datetime) -> dict:
    return {
        "unsubscribe": None,  # filled per subscriber when the delivery is sent
        "documentation": DOCUMENTATION,
        "generated_at": statuspage_time(generated_at, page.zone),
    }


def incident_payload(incident: Incident, generated_at: datetime) -> dict:
    page = Page.get()
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "meta": _meta(page, generated_at),
            "page": webhook_page(page, current_indicator()),
            "incident": FullIncidentSerializer(incident, context={"page": page}).data,
        }


def component_payload(change: StatusChange, generated_at: datetime) -> dict:
    page = Page.get()
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "meta": _meta(page, generated_at),
            "page": webhook_page(page, current_indicator()),
            **component_change(change, page),
        }
