"""The incident form of the operator's console as a browser posts it, for tests that drive it."""

from __future__ import annotations

from django.utils import timezone

from statuspage.status.models import Incident

ADD = "/admin/status/incident/add/"


def incident_form(**overrides) -> dict:
    data = {
        "kind": "incident",
        "name": "Disbursement failing",
        "cause": "third_party",
        "impact_override": "",
        "alternative_channel": "Use the mini-program.",
        "expected_recovery_at_0": "",
        "expected_recovery_at_1": "",
        "scheduled_for_0": "",
        "scheduled_for_1": "",
        "scheduled_until_0": "",
        "scheduled_until_1": "",
        "expires_at_0": "",
        "expires_at_1": "",
        "update_status": "investigating",
        "message": "Payouts are failing.",
        "notify": "on",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def change_form(incident: Incident, **overrides) -> dict:
    updates = list(incident.updates.all())
    data = incident_form(
        name=incident.name,
        cause=incident.cause,
        alternative_channel=incident.alternative_channel,
        update_status=incident.status,
        message="",
        kind=None,
        **{"updates-TOTAL_FORMS": str(len(updates)), "updates-INITIAL_FORMS": str(len(updates))},
    )
    for n, update in enumerate(updates):
        local = timezone.localtime(update.display_at)
        data.update(
            {
                f"updates-{n}-id": update.pk,
                f"updates-{n}-incident": incident.pk,
                f"updates-{n}-body": update.body,
                f"updates-{n}-display_at_0": local.strftime("%Y-%m-%d"),
                f"updates-{n}-display_at_1": local.strftime("%H:%M:%S"),
            }
        )
    for component in incident.components.all():
        data[f"component_{component.pk}"] = component.status
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> str:
    return str(response.context["adminform"].form.errors) if response.context else ""
