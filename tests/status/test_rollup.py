"""The page indicator and incident impact, row by row of the reference's roll-up table."""

from __future__ import annotations

import pytest

from statuspage.status.rollup import incident_impact, page_indicator

OP, DEG, PART, MAJ, MAINT = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)


@pytest.mark.parametrize(
    ("statuses", "indicator", "description"),
    [
        ([MAJ, MAJ], "critical", "Major System Outage"),
        ([MAJ], "critical", "Major System Outage"),
        ([MAJ, OP], "major", "Partial System Outage"),
        ([MAJ, PART, DEG], "major", "Partial System Outage"),
        ([PART, PART], "major", "Partial System Outage"),
        ([PART, OP], "minor", "Minor Service Outage"),
        ([PART, DEG, MAINT], "minor", "Minor Service Outage"),
        ([DEG, DEG], "minor", "Degraded System Service"),
        ([DEG, OP], "minor", "Partially Degraded Service"),
        ([DEG, MAINT], "minor", "Partially Degraded Service"),
        ([MAINT, OP], "maintenance", "Service Under Maintenance"),
        ([MAINT, MAINT], "maintenance", "Service Under Maintenance"),
        ([OP, OP, OP], "none", "All Systems Operational"),
    ],
)
def test_it_rolls_components_up_as_statuspage_does(statuses, indicator, description):
    result = page_indicator(statuses)
    assert (result.indicator, result.description) == (indicator, description)


@pytest.mark.parametrize(
    ("impacts", "indicator"),
    [
        ([], "none"),
        (["minor"], "minor"),
        (["minor", "critical"], "critical"),
        (["major"], "major"),
        (["maintenance"], "maintenance"),
    ],
)
def test_without_components_the_worst_unresolved_incident_decides(impacts, indicator):
    assert page_indicator([], impacts).indicator == indicator


@pytest.mark.parametrize(
    ("statuses", "impact"),
    [
        ([MAJ, DEG], "critical"),
        ([PART, OP], "major"),
        ([DEG], "minor"),
        ([MAINT], "none"),
        ([OP], "none"),
        ([], "none"),
    ],
)
def test_incident_impact_is_the_worst_component_it_affected(statuses, impact):
    assert incident_impact("incident", "", statuses) == impact


def test_an_operator_override_replaces_the_derived_impact():
    assert incident_impact("incident", "minor", [MAJ]) == "minor"


def test_maintenance_has_maintenance_impact_and_announcements_none():
    assert incident_impact("maintenance", "", [MAINT]) == "maintenance"
    assert incident_impact("announcement", "", [MAJ]) == "none"


def test_descriptions_are_translated_for_the_page_only():
    from django.utils import translation

    with translation.override("zh-hans"):
        result = page_indicator([OP])
        assert result.description == "All Systems Operational"
        assert result.translated_description != result.description
