"""Draft incidents: a monitor's change opens one that no visitor or subscriber sees until an
operator publishes it with one action; recovery removes a draft never published."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from statuspage.monitors import probing, signals
from statuspage.monitors.models import Probe
from statuspage.notify.models import Notice
from statuspage.readpath import publish
from statuspage.status import services
from statuspage.status.models import Component, Incident, IncidentTemplate

PUBLIC = [
    "/",
    "/history",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/history.atom",
    "/history.rss",
    "/widget.json",
    "/api/app/status.json",
]


def fail(probe: Probe, times: int = 2) -> None:
    for _ in range(times):
        probing.run([Probe.objects.get(pk=probe.pk)])


@pytest.fixture
def failing(components, target, add_probe):
    """Disbursement's probe, its target answering 500: two checks make a major outage."""
    probe = add_probe(
        components["disbursement"], target.url, degraded_after=2, outage_after=2, recover_after=1
    )
    target.mode = "error"
    return probe


def the_draft() -> Incident:
    return Incident.objects.get()


def test_a_failing_probe_opens_a_draft_that_no_public_surface_shows(client, failing):
    fail(failing)
    assert Component.objects.get(name_en="Disbursement").status == "major_outage"
    draft = the_draft()
    assert draft.draft
    assert draft.name_en == "Disbursement is failing"
    assert draft.name_zh_hans == "放款故障"
    assert draft.updates.get().body_en == "Disbursement is failing; we are looking into it."
    assert list(draft.components.all()) == [failing.component]
    assert not Notice.objects.filter(kind="incident_update").exists()
    for path in PUBLIC:
        response = client.get(path)
        assert response.status_code == 200, path
        content = response.content.decode()
        assert draft.pk not in content, path
        assert "is failing" not in content, path
    assert client.get(f"/incidents/{draft.pk}").status_code == 404
    assert not any(draft.pk in path for path, _ in publish.paths())


def test_publishing_the_draft_shows_it_and_tells_subscribers(client, failing, operator_client):
    fail(failing)
    draft = the_draft()
    response = operator_client.get(reverse("admin:status_incident_change", args=[draft.pk]))
    publish_url = reverse("admin:status_incident_publish", args=[draft.pk])
    assert publish_url in response.content.decode()
    assert operator_client.get(publish_url).status_code == 405
    assert operator_client.post(publish_url).status_code == 302
    draft.refresh_from_db()
    assert not draft.draft
    notice = Notice.objects.get(kind="incident_update")
    assert notice.incident_id == draft.pk
    assert notice.update_id == draft.updates.get().pk
    assert draft.pk in client.get("/api/v2/incidents/unresolved.json").content.decode()
    assert "Disbursement is failing" in client.get("/").content.decode()
    assert client.get(f"/incidents/{draft.pk}").status_code == 200
    # Once only: a second press changes nothing and tells no one again.
    operator_client.post(publish_url)
    assert Notice.objects.filter(kind="incident_update").count() == 1
    with pytest.raises(ValidationError):
        services.publish_draft(draft)


def test_an_outsider_cannot_publish(failing, outsider):
    from django.test import Client

    fail(failing)
    client = Client()
    client.force_login(outsider)
    response = client.post(reverse("admin:status_incident_publish", args=[the_draft().pk]))
    assert response.status_code in (302, 403)
    assert the_draft().draft


def test_recovery_deletes_a_draft_never_published(failing, target):
    fail(failing)
    assert Incident.objects.drafts().count() == 1
    target.mode = "healthy"
    fail(failing, 1)
    assert Component.objects.get(pk=failing.component_id).status == "operational"
    assert not Incident.objects.exists()
    assert not Notice.objects.filter(kind="incident_update").exists()


def test_recovery_leaves_a_published_incident_to_the_operator(failing, target):
    fail(failing)
    services.publish_draft(the_draft())
    target.mode = "healthy"
    fail(failing, 1)
    assert Component.objects.get(pk=failing.component_id).status == "operational"
    incident = the_draft()
    assert not incident.draft and not incident.is_closed


def test_a_probe_that_publishes_automatically_opens_a_published_incident(failing):
    failing.publish_automatically = True
    signals.save_probe(failing)
    fail(failing)
    incident = the_draft()
    assert not incident.draft
    assert Notice.objects.get(kind="incident_update").incident_id == incident.pk


def test_the_draft_is_written_from_the_components_template(components, failing):
    template = IncidentTemplate(
        name="Payout failure",
        title_en="Payouts delayed",
        title_zh_hans="放款延迟",
        body_en="Payouts are delayed; your application is kept.",
        body_zh_hans="放款延迟，您的申请已保留。",
        cause="third_party",
        reassurances=["applications_kept"],
        should_send_notifications=False,
    )
    services.save_template(template, components=[components["disbursement"]])
    fail(failing)
    draft = the_draft()
    assert (draft.name_en, draft.cause, draft.reassurances) == (
        "Payouts delayed",
        "third_party",
        ["applications_kept"],
    )
    assert draft.updates.get().body_zh_hans == "放款延迟，您的申请已保留。"
    services.publish_draft(draft)
    assert not Notice.objects.filter(kind="incident_update").exists()  # the template says so


def test_no_draft_when_an_open_incident_already_covers_the_component(open_outage, failing):
    incident = open_outage(down={"disbursement": "degraded_performance"})
    fail(failing)
    assert Component.objects.get(pk=failing.component_id).status == "major_outage"
    assert list(Incident.objects.all()) == [incident]


def test_a_second_failure_keeps_the_one_draft(failing):
    fail(failing, 4)
    assert Incident.objects.count() == 1


@pytest.fixture
def api(operator):
    from django.test import Client

    from statuspage.api.models import ApiKey
    from statuspage.status.models import Page
    from tests.api.clients import Api

    key = ApiKey.issue(name="alerting", scopes=["read", "write"], created_by=operator)[1]
    return Api(Client(headers={"Accept-Language": "en"}), Page.get().id, key)


def test_the_management_api_publishes_a_draft(api, client, failing):
    fail(failing)
    draft = the_draft()
    assert api.get(f"incidents/{draft.pk}").status_code == 200  # operators see drafts
    response = api.patch(f"incidents/{draft.pk}", {"incident": {"published": True}})
    assert response.status_code == 200, response.content
    assert not the_draft().draft
    assert Notice.objects.filter(kind="incident_update").count() == 1
    assert draft.pk in client.get("/api/v2/incidents.json").content.decode()
    # Again: nothing more happens; and a published incident is never a draft again.
    assert api.patch(f"incidents/{draft.pk}", {"incident": {"published": True}}).status_code == 200
    assert Notice.objects.filter(kind="incident_update").count() == 1
    refused = api.patch(f"incidents/{draft.pk}", {"incident": {"published": False}})
    assert refused.status_code == 422
    assert not the_draft().draft


def test_a_patch_can_edit_and_publish_at_once(api, failing):
    fail(failing)
    draft = the_draft()
    response = api.patch(
        f"incidents/{draft.pk}",
        {"incident": {"name": "Payouts are failing", "published": True}},
    )
    assert response.status_code == 200, response.content
    published = the_draft()
    assert (published.draft, published.name_zh_hans) == (False, "Payouts are failing")
    assert Notice.objects.filter(kind="incident_update").count() == 1


def test_an_alert_opens_a_draft_and_its_resolve_removes_it(client, components):
    from tests.monitors.test_alerts import alertmanager, make_source, post

    url = make_source("alertmanager")
    disbursement = components["disbursement"]
    assert post(client, url, alertmanager(disbursement.pk)).status_code == 200
    draft = the_draft()
    assert draft.draft and list(draft.components.all()) == [disbursement]
    assert post(client, url, alertmanager(disbursement.pk, "resolved")).status_code == 200
    assert Component.objects.get(pk=disbursement.pk).status == "operational"
    assert not Incident.objects.exists()
