"""The structured notice: what a borrower in a hurry needs, in one shape for every surface.

The page, the incident page, the widget, emails, webhooks (extra keys beside Statuspage's
payload) and the app's status JSON all say the same thing because they all read it from here:
which functions work (borrow, repay, raise the limit), what is wrong in one line, why, what we
promise (reassurances), where to go meanwhile (channels), when it should be back and when the
next update comes — each time flagged once it has passed unmet.

Everything is built in the active language (the reader's: activate it first) and knows nothing
of pages, APIs or delivery; `as_json` is the plain-data form the JSON surfaces share.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage.lib.timestamps import statuspage_time
from statuspage.status.models import (
    CLOSED_STATUSES,
    FUNCTION_STATE_ORDER,
    AlternativeChannel,
    Cause,
    Component,
    Function,
    FunctionState,
    Incident,
    IncidentKind,
    IncidentStatus,
    Reassurance,
    function_state_of,
)


@dataclass(frozen=True)
class FunctionLine:
    """One function and how it is doing."""

    id: str
    name: str
    state: str  # a FunctionState value
    depends_on: frozenset[str] = frozenset()  # its components' ids

    @property
    def phrase(self) -> str:
        """ "借款暂不可用" / "Borrowing unavailable"."""
        return state_phrase(self.name, self.state)

    @property
    def works(self) -> bool:
        return self.state == FunctionState.WORKS


def state_phrase(name: str, state: str) -> str:
    phrases = {
        FunctionState.WORKS: _("%(function)s works normally"),
        FunctionState.SLOW: _("%(function)s is slow"),
        FunctionState.PAUSED: _("%(function)s is paused for maintenance"),
        FunctionState.UNAVAILABLE: _("%(function)s is unavailable for now"),
    }
    return phrases[FunctionState(state)] % {"function": name}


def banner_line(functions: Sequence[FunctionLine]) -> str:
    """The functions' states as one sentence, those that do not work first:
    "借款暂不可用，还款正常。" — empty when there are no functions."""
    if not functions:
        return ""
    ordered = sorted(functions, key=lambda f: -FUNCTION_STATE_ORDER.index(FunctionState(f.state)))
    # Translated separators: a Chinese sentence takes full-width punctuation.
    return _(", ").join(f.phrase for f in ordered) + _(".")


@dataclass(frozen=True)
class ChannelLine:
    label: str
    url: str
    phone: str  # as dialled in the page's country
    tel: str  # tel: URL for tap-to-call

    @classmethod
    def of(cls, channel: AlternativeChannel) -> ChannelLine:
        return cls(
            label=str(channel.label),
            url=channel.url,
            phone=channel.phone_display,
            tel=channel.tel_url,
        )

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "url": self.url or None,
            "phone": self.phone or None,
            "tel": self.tel or None,  # tap-to-call
        }


@dataclass(frozen=True)
class IncidentNotice:
    """One open incident, maintenance or announcement, as a borrower should read it."""

    id: str
    kind: str
    status: str
    title: str
    cause: str  # the category's label, or ""
    cause_note: str  # markdown
    reassurances: list[tuple[str, str]]  # (code, text)
    channels: list[ChannelLine]
    expected_recovery_at: datetime | None
    recovery_overdue: bool
    next_update_by: datetime | None
    next_update_overdue: bool
    url: str
    functions: list[FunctionLine] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def status_label(self) -> str:
        return str(IncidentStatus(self.status).label)

    def as_json(self, zone) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "summary": self.title,
            "cause": self.cause or None,
            "cause_note": self.cause_note or None,
            "functions": {f.id: f.state for f in self.functions},
            "reassurances": [text for _code, text in self.reassurances],
            "channels": [c.as_json() for c in self.channels],
            "expected_recovery_at": _time(self.expected_recovery_at, zone),
            "expected_recovery_reassessing": self.recovery_overdue,
            "next_update_by": _time(self.next_update_by, zone),
            "next_update_overdue": self.next_update_overdue,
            "url": self.url,
        }


def _time(at: datetime | None, zone) -> str | None:
    return statuspage_time(at, zone) if at is not None else None


def function_lines(
    components: Iterable[Component] | None = None, incidents: Iterable[Incident] = ()
) -> list[FunctionLine]:
    """Every function's state now: the worst of its components', unless an open incident
    sets it (the worst such setting wins when several do)."""
    statuses = {c.pk: c.status for c in (components or Component.objects.all())}
    explicit: dict[str, str] = {}
    for incident in incidents:
        if incident.status in CLOSED_STATUSES:
            continue
        for function_id, state in (incident.function_states or {}).items():
            current = explicit.get(function_id)
            if current is None or FUNCTION_STATE_ORDER.index(
                FunctionState(state)
            ) > FUNCTION_STATE_ORDER.index(FunctionState(current)):
                explicit[function_id] = state
    lines = []
    for function in Function.objects.prefetch_related("components"):
        derived = function_state_of(statuses.get(c.pk, "") for c in function.components.all())
        lines.append(
            FunctionLine(
                id=function.pk,
                name=str(function.name),
                state=explicit.get(function.pk, derived),
                depends_on=frozenset(c.pk for c in function.components.all()),
            )
        )
    return lines


def incident_notice(
    incident: Incident, *, functions: list[FunctionLine] | None = None, now: datetime | None = None
) -> IncidentNotice:
    """`incident` as a borrower should read it, in the active language. `functions` are the
    page's function states (see `function_lines`); the notice keeps those that this incident
    touches (its components' functions and those it sets)."""
    now = now or timezone.now()
    open_ = incident.status not in CLOSED_STATUSES
    affected = {c.pk for c in incident.components.all()}
    sets = incident.function_states or {}
    next_update_by = incident.next_update_by
    return IncidentNotice(
        id=incident.pk,
        kind=incident.kind,
        status=incident.status,
        title=str(incident.name),
        cause=str(Cause(incident.cause).label) if incident.cause else "",
        cause_note=str(incident.cause_note or ""),
        reassurances=[
            (code, str(Reassurance(code).label))
            for code in incident.reassurances or []
            if code in Reassurance.values
        ],
        channels=[ChannelLine.of(c) for c in incident.channels.all()],
        expected_recovery_at=incident.expected_recovery_at,
        recovery_overdue=bool(
            open_ and incident.expected_recovery_at and incident.expected_recovery_at <= now
        ),
        next_update_by=next_update_by if open_ else None,
        next_update_overdue=bool(open_ and next_update_by and next_update_by <= now),
        url=incident.shortlink,
        functions=[f for f in functions or [] if f.id in sets or f.depends_on & affected],
    )


def open_notices(now: datetime | None = None) -> tuple[list[FunctionLine], list[IncidentNotice]]:
    """The page's function states and its open notices, worst first: unresolved incidents,
    then maintenance in progress, then announcements."""
    open_ = list(
        Incident.objects.open()
        .exclude(status=IncidentStatus.SCHEDULED)
        .prefetch_related("updates", "components", "channels")
    )
    functions = function_lines(incidents=open_)
    rank = {IncidentKind.INCIDENT: 0, IncidentKind.MAINTENANCE: 1, IncidentKind.ANNOUNCEMENT: 2}
    open_.sort(key=lambda i: (rank.get(IncidentKind(i.kind), 3), -i.created_at.timestamp()))
    return functions, [incident_notice(i, functions=functions, now=now) for i in open_]
