"""Statuspage's webhook payloads: the shapes of statuspage.shapes at the moment of a change,
once per language, each carrying our structured notice beside Statuspage's keys.

Consumers written for Statuspage (Zulip's integration, alert bridges) dispatch on the presence
of `incident` or `component_update`; the field sets follow the compatibility reference and stay
exactly as they are. Ours are extra top-level keys that such consumers ignore:

- `functions`: every function (borrow, repay, …) with its state: `[{id, name, state}]`;
- `banner`: the same as the page's one line, "借款暂不可用，还款正常。";
- `notice` (incident payloads): the incident's structured notice (status.notice, as_json),
  the same as the app's status JSON says of it.

A subscriber reads one language: every text in a payload (names, bodies, the notice) is in the
payload's language, falling back to the default language where a text is not translated.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import translation

from statuspage.lib.timestamps import statuspage_time
from statuspage.shapes.objects import FullIncidentSerializer, component_change, webhook_page
from statuspage.status.models import Incident, IncidentStatus, Page, StatusChange
from statuspage.status.notice import FunctionLine, banner_line, function_lines, incident_notice
from statuspage.status.rollup import current_indicator
from statuspage.status.translation import language_codes

DOCUMENTATION = "https://www.statuspage.io/"  # what Statuspage puts in meta.documentation


def _meta(page: Page, generated_at: datetime) -> dict:
    return {
        "unsubscribe": None,  # filled per subscriber when the delivery is sent
        "documentation": DOCUMENTATION,
        "generated_at": statuspage_time(generated_at, page.zone),
    }


def _functions() -> list[FunctionLine]:
    """The page's function states now, open incidents' explicit states included (as the page
    shows them): in the active language."""
    open_ = Incident.objects.open().exclude(status=IncidentStatus.SCHEDULED)
    return function_lines(incidents=open_)


def _ours(functions: list[FunctionLine]) -> dict:
    return {
        "functions": [{"id": f.id, "name": f.name, "state": f.state} for f in functions],
        "banner": banner_line(functions) or None,
    }


def _notice(incident: Incident, functions: list[FunctionLine], page: Page, now: datetime) -> dict:
    return incident_notice(incident, functions=functions, now=now).as_json(page.zone)


def incident_payload(
    incident: Incident, generated_at: datetime, language: str | None = None
) -> dict:
    """The incident's payload in `language` (the default language unless given)."""
    page = Page.get()
    with translation.override(language or settings.LANGUAGE_CODE):
        functions = _functions()
        return {
            "meta": _meta(page, generated_at),
            "page": webhook_page(page, current_indicator()),
            "incident": FullIncidentSerializer(incident, context={"page": page}).data,
            **_ours(functions),
            "notice": _notice(incident, functions, page, generated_at),
        }


def component_payload(
    change: StatusChange, generated_at: datetime, language: str | None = None
) -> dict:
    """The component change's payload in `language` (the default language unless given)."""
    page = Page.get()
    with translation.override(language or settings.LANGUAGE_CODE):
        return {
            "meta": _meta(page, generated_at),
            "page": webhook_page(page, current_indicator()),
            **component_change(change, page),
            **_ours(_functions()),
        }


def by_language(build, *args) -> tuple[dict, dict[str, dict]]:
    """(the default language's payload, {other language: its payload}) from `build`, one of
    the functions above: what a Notice freezes."""
    others = {
        code: build(*args, code) for code in language_codes() if code != settings.LANGUAGE_CODE
    }
    return build(*args, settings.LANGUAGE_CODE), others
