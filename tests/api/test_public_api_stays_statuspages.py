"""/api/v2 stays exactly Statuspage's shape: an incident with texts in both languages and the
whole structured notice shows none of it, and reads in the page's default language."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from statuspage.status import services
from statuspage.status.models import AlternativeChannel, Function, Incident
from statuspage.status.translation import set_texts

INCIDENT_KEYS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at",
    "impact", "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
UPDATE_KEYS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip


def test_an_incident_with_every_structured_field_shows_only_statuspages_keys(
    client, components, django_capture_on_commit_callbacks
):
    borrow = Function.objects.create(name_zh_hans="借款", name_en="Borrowing")
    hotline = AlternativeChannel.objects.create(
        label_zh_hans="客服热线", label_en="Hotline", phone="400 888 8888"
    )
    incident = Incident(
        cause="third_party",
        reassurances=["funds_safe"],
        function_states={borrow.pk: "unavailable"},
        expected_recovery_at=timezone.now() + timedelta(hours=2),
    )
    set_texts(incident, "name", {"zh-hans": "放款失败", "en": "Disbursement failing"})
    set_texts(incident, "cause_note", {"zh-hans": "银行超时。", "en": "Bank slow."})
    with django_capture_on_commit_callbacks(execute=True):
        services.open_incident(
            incident,
            body={"zh-hans": "放款暂时失败。", "en": "Payouts are failing."},
            component_statuses={components["disbursement"]: "major_outage"},
            channels=[hotline],
            next_update_by=timezone.now() + timedelta(hours=1),
        )

    for path, section in (
        ("/api/v2/summary.json", "incidents"),
        ("/api/v2/incidents.json", "incidents"),
        ("/api/v2/incidents/unresolved.json", "incidents"),
    ):
        body = client.get(path, HTTP_ACCEPT_LANGUAGE="en").json()
        [listed] = body[section]
        assert set(listed) == INCIDENT_KEYS, path
        assert set(listed["incident_updates"][0]) == UPDATE_KEYS, path
        assert listed["name"] == "放款失败"  # the default language, whatever the caller asks
        assert listed["incident_updates"][0]["body"] == "放款暂时失败。"
    summary = client.get("/api/v2/summary.json").json()
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
