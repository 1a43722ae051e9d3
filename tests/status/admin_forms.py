"""The incident form of the operator's console as a browser posts it, for tests that drive it.

Texts are typed per language (`name_zh_hans`, `name_en`, `message_zh_hans`, …) and times in the
page's zone (Asia/Shanghai unless a test changes it), as the console shows them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from html.parser import HTMLParser

from django.utils import timezone

from statuspage.status.models import Incident, Page
from statuspage.status.translation import text_in

ADD = "/admin/status/incident/add/"


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """`moment` on the page's clock, as an operator reads and types it in the console."""
    return timezone.localtime(moment, zone or Page.get().zone)


def typed(field: str, moment: datetime | None, zone: tzinfo | None = None) -> dict[str, str]:
    """A split date-and-time field as typed in the console (in the page's zone, or `zone`)."""
    if moment is None:
        return {f"{field}_0": "", f"{field}_1": ""}
    at = local(moment, zone)
    return {f"{field}_0": at.strftime("%Y-%m-%d"), f"{field}_1": at.strftime("%H:%M:%S")}


def incident_form(**overrides) -> dict:
    data = {
        "kind": "incident",
        "name_zh_hans": "放款失败",
        "name_en": "Disbursement failing",
        "cause": "third_party",
        "impact_override": "",
        "cause_note_zh_hans": "",
        "cause_note_en": "",
        "expected_recovery_at_0": "",
        "expected_recovery_at_1": "",
        "scheduled_for_0": "",
        "scheduled_for_1": "",
        "scheduled_until_0": "",
        "scheduled_until_1": "",
        "expires_at_0": "",
        "expires_at_1": "",
        "update_status": "investigating",
        "message_zh_hans": "放款失败。",
        "message_en": "Payouts are failing.",
        "next_update_by_0": "",
        "next_update_by_1": "",
        "notify": "on",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def change_form(incident: Incident, **overrides) -> dict:
    """The change form as the console shows it for `incident`, with `overrides` typed in."""
    updates = list(incident.updates.all())
    data = incident_form(
        name_zh_hans=text_in(incident, "name", "zh-hans"),
        name_en=text_in(incident, "name", "en"),
        cause=incident.cause,
        cause_note_zh_hans=text_in(incident, "cause_note", "zh-hans"),
        cause_note_en=text_in(incident, "cause_note", "en"),
        channels=[c.pk for c in incident.channels.all()],
        reassurances=list(incident.reassurances),
        update_status=incident.status,
        message_zh_hans="",
        message_en="",
        kind=None,
        **typed("expected_recovery_at", incident.expected_recovery_at),
        **typed("scheduled_for", incident.scheduled_for),
        **typed("scheduled_until", incident.scheduled_until),
        **typed("expires_at", incident.expires_at),
        **{"updates-TOTAL_FORMS": str(len(updates)), "updates-INITIAL_FORMS": str(len(updates))},
    )
    for flag in (
        "scheduled_remind_prior",
        "scheduled_auto_in_progress",
        "scheduled_auto_completed",
    ):
        if getattr(incident, flag):
            data[flag] = "on"
    for function_id, state in (incident.function_states or {}).items():
        data[f"function_{function_id}"] = state
    for n, update in enumerate(updates):
        data.update(
            {
                f"updates-{n}-id": update.pk,
                f"updates-{n}-incident": incident.pk,
                f"updates-{n}-body_zh_hans": text_in(update, "body", "zh-hans"),
                f"updates-{n}-body_en": text_in(update, "body", "en"),
                **typed(f"updates-{n}-display_at", update.display_at),
            }
        )
    for component in incident.components.all():
        data[f"component_{component.pk}"] = component.status
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> str:
    return str(response.context["adminform"].form.errors) if response.context else ""


class _Controls(HTMLParser):
    """The form controls an operator can fill in, as (name, shown): every visible input (each
    checkbox its own), select and textarea, `shown` False inside a folded <details>."""

    SKIPPED_TYPES = frozenset({"hidden", "submit", "button", "reset", "image"})

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[tuple[str, bool]] = []
        self.folded = 0  # depth of closed <details> around the current position
        self.details: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "details":
            closed = "open" not in attributes
            self.details.append(closed)
            self.folded += closed
        elif tag in ("select", "textarea") or (
            tag == "input" and (attributes.get("type") or "text") not in self.SKIPPED_TYPES
        ):
            self.controls.append((attributes.get("name") or "", self.folded == 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self.details:
            self.folded -= self.details.pop()


def form_controls(html: str) -> list[tuple[str, bool]]:
    """The controls of the admin's main form on `html` (without the posted updates' inline)."""
    start = html.index('<form method="post" id="incident_form"')
    parser = _Controls()
    parser.feed(html[start : html.index("</form>", start)])
    return [(name, shown) for name, shown in parser.controls if not name.startswith("updates-")]
