"""An API write notifies exactly as the admin's does: the same outbox rows, written with it."""

from __future__ import annotations

from statuspage.notify.models import Notice, NoticeKind
from statuspage.status.models import Incident


def test_each_published_update_writes_a_notice(api, components):
    opened = api.post(
        "incidents",
        {
            "incident": {
                "name": "Payouts failing",
                "body": "Looking.",
                "components": {components["disbursement"].id: "major_outage"},
            }
        },
    ).json()
    patched = api.patch(
        f"incidents/{opened['id']}", {"incident": {"status": "resolved", "body": "Fixed."}}
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "resolved"
    assert patched.json()["incident_updates"][0]["body"] == "Fixed."

    incident = Incident.objects.get(pk=opened["id"])
    notices = Notice.objects.filter(kind=NoticeKind.INCIDENT_UPDATE).order_by("created_at")
    assert [n.update.body for n in notices] == ["Looking.", "Fixed."]
    assert all(n.incident == incident for n in notices)
    assert notices[0].component_ids == [components["disbursement"].id]
    assert notices[1].payload["incident"]["status"] == "resolved"


def test_an_update_marked_silent_writes_no_notice(api, components):
    opened = api.post(
        "incidents", {"incident": {"name": "Quiet", "deliver_notifications": False}}
    ).json()
    patched = api.patch(
        f"incidents/{opened['id']}",
        {"incident": {"status": "resolved", "deliver_notifications": "false"}},
    )
    assert patched.json()["status"] == "resolved"
    assert not Notice.objects.filter(kind=NoticeKind.INCIDENT_UPDATE).exists()


def test_a_published_postmortem_notifies_when_asked(api, components):
    opened = api.post("incidents", {"incident": {"name": "Down"}}).json()
    api.patch(f"incidents/{opened['id']}", {"incident": {"status": "resolved"}})
    api.put(f"incidents/{opened['id']}/postmortem", {"postmortem": {"body_draft": "Why."}})
    api.put(
        f"incidents/{opened['id']}/postmortem/publish",
        {"postmortem": {"notify_subscribers": True}},
    )
    assert Notice.objects.filter(kind=NoticeKind.POSTMORTEM, incident_id=opened["id"]).exists()
