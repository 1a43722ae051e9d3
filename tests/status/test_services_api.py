"""The service functions the management API added: each is one transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from statuspage.status import services, signals
from statuspage.status.models import (
    Component,
    Incident,
    IncidentTemplate,
    Page,
    StatusChange,
)


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage("Payouts slow", body="Slow.", down={"disbursement": "degraded_performance"})


def test_component_changes_without_an_update_join_the_latest_update(outage, components):
    version = Page.get().version
    services.apply_incident_components(
        outage,
        {components["disbursement"]: "major_outage", components["limit"]: "partial_outage"},
        affected=[components["app"]],
        cause="api",
    )
    update = outage.updates.get()  # no new update
    assert {e["code"]: (e["old_status"], e["new_status"]) for e in update.affected_components} == {
        components["disbursement"].pk: ("operational", "major_outage"),
        components["limit"].pk: ("operational", "partial_outage"),
    }
    assert set(outage.components.all()) == {
        components["disbursement"],
        components["limit"],
        components["app"],
    }
    assert outage.impact == "critical"
    logged = StatusChange.objects.filter(incident_update=update).order_by(
        "component__position", "id"
    )
    assert [(c.new_status, c.cause) for c in logged] == [
        ("partial_outage", "api"),
        ("degraded_performance", "operator"),
        ("major_outage", "api"),
    ]
    assert Page.get().version == version + 1


def test_component_changes_send_no_notice(outage, components):
    published = []

    def record(**kwargs):
        published.append(kwargs)

    signals.update_published.connect(record)
    try:
        services.apply_incident_components(outage, {components["app"]: "major_outage"})
    finally:
        signals.update_published.disconnect(record)
    assert published == []


def test_an_unknown_status_changes_nothing(outage, components):
    version = Page.get().version
    with pytest.raises(ValidationError):
        services.apply_incident_components(outage, {components["app"]: "on_fire"})
    assert Component.objects.get(pk=components["app"].pk).status == "operational"
    assert list(outage.components.all()) == [components["disbursement"]]
    assert Page.get().version == version


def test_a_template_is_saved_with_exactly_its_components(components):
    template = services.save_template(
        IncidentTemplate(name="Bank down", title="Payouts delayed", body="A bank is down."),
        [components["disbursement"], components["limit"]],
    )
    assert set(template.components.all()) == {components["disbursement"], components["limit"]}
    services.save_template(template, [components["app"]])
    assert list(template.components.all()) == [components["app"]]
    services.save_template(template)  # None leaves them alone
    assert list(template.components.all()) == [components["app"]]


def test_a_template_with_a_status_of_another_kind_is_refused(db):
    with pytest.raises(ValidationError) as caught:
        services.save_template(
            IncidentTemplate(name="x", title="x", body="x", update_status="in_progress")
        )
    assert "update_status" in caught.value.message_dict
    assert not IncidentTemplate.objects.exists()


def test_deleting_a_template_leaves_incidents_alone(components, outage):
    template = services.save_template(
        IncidentTemplate(name="Bank down", title="Payouts delayed", body="A bank is down.")
    )
    services.delete_template(template)
    assert not IncidentTemplate.objects.exists()
    assert Incident.objects.filter(pk=outage.pk).exists()
