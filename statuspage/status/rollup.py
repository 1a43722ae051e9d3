"""How component statuses roll up into the page indicator and an incident's impact.

These follow Atlassian Statuspage exactly (see the compatibility reference), because widgets
and exporters written for it read our indicator. The English descriptions are the JSON values;
the HTML page translates them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from statuspage.status.models import Component, ComponentStatus, Impact, Incident, IncidentKind

C = ComponentStatus

# Keyed by the plain string values that rows and requests carry (the enums are str subclasses).
SEVERITY: dict[str, int] = {
    C.OPERATIONAL: 0,
    C.UNDER_MAINTENANCE: 1,
    C.DEGRADED_PERFORMANCE: 2,
    C.PARTIAL_OUTAGE: 3,
    C.MAJOR_OUTAGE: 4,
}
IMPACT_SEVERITY: dict[str, int] = {
    Impact.NONE: 0,
    Impact.MAINTENANCE: 1,
    Impact.MINOR: 2,
    Impact.MAJOR: 3,
    Impact.CRITICAL: 4,
}
IMPACT_OF_STATUS: dict[str, str] = {
    C.MAJOR_OUTAGE: Impact.CRITICAL,
    C.PARTIAL_OUTAGE: Impact.MAJOR,
    C.DEGRADED_PERFORMANCE: Impact.MINOR,
}

DESCRIPTIONS = {
    "Major System Outage": _("Major System Outage"),
    "Partial System Outage": _("Partial System Outage"),
    "Minor Service Outage": _("Minor Service Outage"),
    "Degraded System Service": _("Degraded System Service"),
    "Partially Degraded Service": _("Partially Degraded Service"),
    "Service Under Maintenance": _("Service Under Maintenance"),
    "All Systems Operational": _("All Systems Operational"),
}


@dataclass(frozen=True)
class Indicator:
    indicator: str
    description: str

    @property
    def translated_description(self) -> str:
        return str(DESCRIPTIONS[self.description])


def page_indicator(
    component_statuses: Iterable[str], unresolved_impacts: Iterable[str] = ()
) -> Indicator:
    """The page's (indicator, description) from its non-group components.

    With no components at all, the worst unresolved incident's impact stands in.
    """
    statuses = list(component_statuses)
    if not statuses:
        worst = max(unresolved_impacts, key=IMPACT_SEVERITY.__getitem__, default=Impact.NONE)
        return _INDICATOR_FOR_IMPACT[worst]
    present = set(statuses)
    if present == {C.MAJOR_OUTAGE}:
        return Indicator("critical", "Major System Outage")
    if C.MAJOR_OUTAGE in present:
        return Indicator("major", "Partial System Outage")
    if present == {C.PARTIAL_OUTAGE}:
        return Indicator("major", "Partial System Outage")
    if C.PARTIAL_OUTAGE in present:
        return Indicator("minor", "Minor Service Outage")
    if present == {C.DEGRADED_PERFORMANCE}:
        return Indicator("minor", "Degraded System Service")
    if C.DEGRADED_PERFORMANCE in present:
        return Indicator("minor", "Partially Degraded Service")
    if C.UNDER_MAINTENANCE in present:
        return Indicator("maintenance", "Service Under Maintenance")
    return Indicator("none", "All Systems Operational")


def current_indicator(
    components: Iterable[Component] | None = None, unresolved: Iterable[Incident] | None = None
) -> Indicator:
    """The page's indicator right now: from every component and every unresolved incident,
    as already loaded by the caller, or read from the database for what is not given."""
    statuses = (
        [c.status for c in components]
        if components is not None
        else list(Component.objects.values_list("status", flat=True))
    )
    impacts = (
        [i.impact for i in unresolved]
        if unresolved is not None
        else list(Incident.objects.unresolved_incidents().values_list("impact", flat=True))
    )
    return page_indicator(statuses, impacts)


_INDICATOR_FOR_IMPACT: dict[str, Indicator] = {
    Impact.NONE: Indicator("none", "All Systems Operational"),
    Impact.MINOR: Indicator("minor", "Minor Service Outage"),
    Impact.MAJOR: Indicator("major", "Partial System Outage"),
    Impact.CRITICAL: Indicator("critical", "Major System Outage"),
    Impact.MAINTENANCE: Indicator("maintenance", "Service Under Maintenance"),
}


def incident_impact(kind: str, override: str, statuses_set: Iterable[str]) -> str:
    """Impact = the worst status the incident gave any component; an override replaces it."""
    if override:
        return override
    if kind == IncidentKind.MAINTENANCE:
        return Impact.MAINTENANCE
    if kind == IncidentKind.ANNOUNCEMENT:
        return Impact.NONE
    worst = max(statuses_set, key=SEVERITY.__getitem__, default=C.OPERATIONAL)
    return IMPACT_OF_STATUS.get(worst, Impact.NONE)


def worst_status(statuses: Iterable[str]) -> str:
    return max(statuses, key=SEVERITY.__getitem__, default=C.OPERATIONAL)
