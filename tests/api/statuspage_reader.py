"""An independent reader of Statuspage's public JSON, written from the compatibility reference
(shared/reference/statuspage-api.md) and nothing else: it imports nothing from statuspage.api,
so a mistake in our serializers cannot hide in the test that checks them.

It reads the way a strict client would: every key the reference lists must be there and no
other, every enum value must be one the reference lists, ids are 12 lowercase alphanumerics,
timestamps are ISO 8601 with milliseconds in the page's offset, and the page's indicator must
follow the reference's roll-up table over the components it was given.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

ID = re.compile(r"^[a-z0-9]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")

COMPONENT_STATUSES = {
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical", "maintenance"}
INDICATORS = IMPACTS

PAGE_KEYS = {"id", "name", "url", "time_zone", "updated_at"}
STATUS_KEYS = {"indicator", "description"}
COMPONENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip
INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
MAINTENANCE_KEYS = INCIDENT_KEYS | {"scheduled_for", "scheduled_until"}
UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
AFFECTED_KEYS = {"code", "name", "old_status", "new_status"}
SUMMARY_KEYS = {"page", "components", "incidents", "scheduled_maintenances", "status"}


class Unreadable(AssertionError):
    """The JSON breaks the reference somewhere; the message says where."""


def need(condition: bool, where: str, problem: str) -> None:
    if not condition:
        raise Unreadable(f"{where}: {problem}")


def keys(obj: object, expected: set[str], where: str) -> dict:
    need(isinstance(obj, dict), where, f"expected an object, got {type(obj).__name__}")
    assert isinstance(obj, dict)
    need(set(obj) == expected, where, f"keys {sorted(set(obj) ^ expected)} differ")
    return obj


def text(value: object, where: str, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    need(isinstance(value, str), where, f"expected a string, got {value!r}")
    return value  # type: ignore[return-value]


def flag(value: object, where: str) -> bool:
    need(isinstance(value, bool), where, f"expected true or false, got {value!r}")
    return value  # type: ignore[return-value]


def one_of(value: object, allowed: set[str], where: str) -> str:
    need(value in allowed, where, f"{value!r} is not one of {sorted(allowed)}")
    return value  # type: ignore[return-value]


def an_id(value: object, where: str) -> str:
    need(isinstance(value, str) and bool(ID.match(value)), where, f"{value!r} is not an id")
    return value  # type: ignore[return-value]


@dataclass
class Reader:
    zone: zoneinfo.ZoneInfo
    page_id: str

    def timestamp(self, value: object, where: str, *, nullable: bool = False) -> datetime | None:
        if value is None and nullable:
            return None
        need(isinstance(value, str) and bool(TIMESTAMP.match(value)), where, f"{value!r}")
        moment = datetime.fromisoformat(value)  # type: ignore[arg-type]
        expected = moment.astimezone(self.zone).utcoffset()
        need(moment.utcoffset() == expected, where, f"{value} is not in the page's offset")
        return moment


@dataclass
class Component:
    id: str
    name: str
    status: str
    position: int
    description: str | None
    showcase: bool
    start_date: date | None
    group_id: str | None
    is_group: bool
    only_show_if_degraded: bool
    created_at: datetime
    updated_at: datetime
    members: list[str] | None


@dataclass
class Update:
    id: str
    status: str
    body: str
    display_at: datetime
    affected: list[dict] | None
    deliver_notifications: bool


@dataclass
class Incident:
    id: str
    name: str
    status: str
    impact: str
    shortlink: str
    created_at: datetime
    started_at: datetime | None
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: list[Update]
    components: list[Component]
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None


@dataclass
class Summary:
    page_id: str
    page_name: str
    page_url: str
    time_zone: str
    components: list[Component]
    incidents: list[Incident]
    maintenances: list[Incident]
    indicator: str
    description: str


def read_component(obj: object, reader: Reader, where: str) -> Component:
    is_group = isinstance(obj, dict) and obj.get("group") is True
    data = keys(obj, COMPONENT_KEYS | ({"components"} if is_group else set()), where)
    need(data["page_id"] == reader.page_id, where, "page_id is not the page's")
    need(isinstance(data["position"], int), where, "position is not an integer")
    start = text(data["start_date"], f"{where}.start_date", nullable=True)
    members = None
    if is_group:
        members = [an_id(m, f"{where}.components") for m in data["components"]]
    return Component(
        id=an_id(data["id"], f"{where}.id"),
        name=text(data["name"], f"{where}.name"),  # type: ignore[arg-type]
        status=one_of(data["status"], COMPONENT_STATUSES, f"{where}.status"),
        position=data["position"],
        description=text(data["description"], f"{where}.description", nullable=True),
        showcase=flag(data["showcase"], f"{where}.showcase"),
        start_date=date.fromisoformat(start) if start else None,
        group_id=an_id(data["group_id"], where) if data["group_id"] is not None else None,
        is_group=flag(data["group"], f"{where}.group"),
        only_show_if_degraded=flag(data["only_show_if_degraded"], where),
        created_at=reader.timestamp(data["created_at"], f"{where}.created_at"),  # type: ignore[arg-type]
        updated_at=reader.timestamp(data["updated_at"], f"{where}.updated_at"),  # type: ignore[arg-type]
        members=members,
    )


def read_update(obj: object, reader: Reader, incident_id: str, statuses: set, where: str) -> Update:
    data = keys(obj, UPDATE_KEYS, where)
    need(data["incident_id"] == incident_id, where, "incident_id is not its incident's")
    need(data["custom_tweet"] is None and data["tweet_id"] is None, where, "tweets are not null")
    affected = data["affected_components"]
    if affected is not None:
        need(isinstance(affected, list), where, "affected_components is not a list")
        for n, entry in enumerate(affected):
            at = f"{where}.affected_components[{n}]"
            keys(entry, AFFECTED_KEYS, at)
            an_id(entry["code"], at)
            one_of(entry["old_status"], COMPONENT_STATUSES, at)
            one_of(entry["new_status"], COMPONENT_STATUSES, at)
    reader.timestamp(data["created_at"], f"{where}.created_at")
    reader.timestamp(data["updated_at"], f"{where}.updated_at")
    return Update(
        id=an_id(data["id"], f"{where}.id"),
        status=one_of(data["status"], statuses, f"{where}.status"),
        body=text(data["body"], f"{where}.body"),  # type: ignore[arg-type]
        display_at=reader.timestamp(data["display_at"], f"{where}.display_at"),  # type: ignore[arg-type]
        affected=affected,
        deliver_notifications=flag(data["deliver_notifications"], where),
    )


def read_incident(obj: object, reader: Reader, where: str, *, maintenance: bool) -> Incident:
    data = keys(obj, MAINTENANCE_KEYS if maintenance else INCIDENT_KEYS, where)
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    incident_id = an_id(data["id"], f"{where}.id")
    need(data["page_id"] == reader.page_id, where, "page_id is not the page's")
    updates = [
        read_update(u, reader, incident_id, statuses, f"{where}.incident_updates[{n}]")
        for n, u in enumerate(data["incident_updates"])
    ]
    shown = [u.display_at for u in updates]
    need(shown == sorted(shown, reverse=True), where, "updates are not newest first")
    stamp = reader.timestamp
    return Incident(
        id=incident_id,
        name=text(data["name"], f"{where}.name"),  # type: ignore[arg-type]
        status=one_of(data["status"], statuses, f"{where}.status"),
        impact=one_of(data["impact"], IMPACTS, f"{where}.impact"),
        shortlink=text(data["shortlink"], f"{where}.shortlink"),  # type: ignore[arg-type]
        created_at=stamp(data["created_at"], f"{where}.created_at"),  # type: ignore[arg-type]
        started_at=stamp(data["started_at"], f"{where}.started_at", nullable=True),
        monitoring_at=stamp(data["monitoring_at"], f"{where}.monitoring_at", nullable=True),
        resolved_at=stamp(data["resolved_at"], f"{where}.resolved_at", nullable=True),
        updates=updates,
        components=[
            read_component(c, reader, f"{where}.components[{n}]")
            for n, c in enumerate(data["components"])
        ],
        scheduled_for=stamp(data.get("scheduled_for"), f"{where}.scheduled_for", nullable=True),
        scheduled_until=stamp(
            data.get("scheduled_until"), f"{where}.scheduled_until", nullable=True
        ),
    )


def roll_up(statuses: list[str]) -> tuple[str, str]:
    """The reference's table, over non-group components."""
    present = set(statuses)
    if present == {"major_outage"}:
        return "critical", "Major System Outage"
    if "major_outage" in present or present == {"partial_outage"}:
        return "major", "Partial System Outage"
    if "partial_outage" in present:
        return "minor", "Minor Service Outage"
    if present == {"degraded_performance"}:
        return "minor", "Degraded System Service"
    if "degraded_performance" in present:
        return "minor", "Partially Degraded Service"
    if "under_maintenance" in present:
        return "maintenance", "Service Under Maintenance"
    return "none", "All Systems Operational"


def read_summary(body: bytes) -> Summary:
    data = keys(json.loads(body), SUMMARY_KEYS, "summary")
    page = keys(data["page"], PAGE_KEYS, "page")
    reader = Reader(zoneinfo.ZoneInfo(page["time_zone"]), an_id(page["id"], "page.id"))
    reader.timestamp(page["updated_at"], "page.updated_at")
    components = [
        read_component(c, reader, f"components[{n}]") for n, c in enumerate(data["components"])
    ]
    ids = {c.id for c in components}
    for component in components:
        if component.group_id is not None:
            need(component.group_id in ids, component.id, "its group is not in the list")
        for member in component.members or []:
            need(member in ids, component.id, f"member {member} is not in the list")
    incidents = [
        read_incident(i, reader, f"incidents[{n}]", maintenance=False)
        for n, i in enumerate(data["incidents"])
    ]
    for incident in incidents:
        need(incident.status not in ("resolved", "postmortem"), incident.id, "is resolved")
    maintenances = [
        read_incident(m, reader, f"scheduled_maintenances[{n}]", maintenance=True)
        for n, m in enumerate(data["scheduled_maintenances"])
    ]
    for maintenance in maintenances:
        need(maintenance.status != "completed", maintenance.id, "is completed")
    status = keys(data["status"], STATUS_KEYS, "status")
    indicator = one_of(status["indicator"], INDICATORS, "status.indicator")
    real = [c.status for c in components if not c.is_group]
    if real:
        need(
            (indicator, status["description"]) == roll_up(real),
            "status",
            f"{indicator}/{status['description']} does not follow the roll-up of {sorted(real)}",
        )
    return Summary(
        page_id=reader.page_id,
        page_name=text(page["name"], "page.name"),  # type: ignore[arg-type]
        page_url=text(page["url"], "page.url"),  # type: ignore[arg-type]
        time_zone=page["time_zone"],
        components=components,
        incidents=incidents,
        maintenances=maintenances,
        indicator=indicator,
        description=status["description"],
    )
