"""The admin's change form and the API's PATCH edit an incident through the same service
function: the same invalid edit is refused with the service's own words through both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from statuspage.api.models import ApiKey
from statuspage.status import services
from statuspage.status.models import Incident, Page, StatusChange
from tests.api.clients import Api
from tests.status.admin_forms import change_form, typed


@pytest.fixture
def api(operator) -> Api:
    key = ApiKey.issue(name="alerting", scopes=["read", "write"], created_by=operator)[1]
    return Api(Client(headers={"Accept-Language": "en"}), Page.get().id, key)


def resolved_outage(open_outage, schedule_maintenance) -> Incident:
    outage = open_outage()
    services.resolve(outage)
    return outage


def scheduled_window(open_outage, schedule_maintenance) -> Incident:
    starts = timezone.now() + timedelta(days=1)
    return schedule_maintenance("Credit system upgrade", starts, body="Planned.")


def window_fields(start: datetime, end: datetime) -> dict[str, str]:
    """Typed in the page's zone (its default: no database at import time)."""
    zone = ZoneInfo("Asia/Shanghai")
    return {**typed("scheduled_for", start, zone), **typed("scheduled_until", end, zone)}


@dataclass
class InvalidEdit:
    """One edit, said three ways: as the service's arguments, as the admin's change form
    and as a PATCH. `field` is the service's key; the admin shows `status` on `update_status`."""

    opened: Callable
    field: str
    service: dict
    form: dict
    patch: dict


def yesterday() -> tuple[datetime, datetime]:
    start = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    return start, start + timedelta(hours=1)


def backwards() -> tuple[datetime, datetime]:
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    return start, start - timedelta(hours=1)


EDITS = {
    "a message on a resolved incident": InvalidEdit(
        opened=resolved_outage,
        field="status",
        service={"body": "One more thing."},
        form={"message_zh_hans": "One more thing."},
        patch={"body": "One more thing."},
    ),
    "a scheduled window moved into the past": InvalidEdit(
        opened=scheduled_window,
        field="scheduled_until",
        service={"scheduled_for": yesterday()[0], "scheduled_until": yesterday()[1]},
        form=window_fields(*yesterday()),
        patch={
            "scheduled_for": yesterday()[0].isoformat(),
            "scheduled_until": yesterday()[1].isoformat(),
        },
    ),
    "a window that ends before it starts": InvalidEdit(
        opened=scheduled_window,
        field="scheduled_until",
        service={"scheduled_for": backwards()[0], "scheduled_until": backwards()[1]},
        form=window_fields(*backwards()),
        patch={
            "scheduled_for": backwards()[0].isoformat(),
            "scheduled_until": backwards()[1].isoformat(),
        },
    ),
}


@pytest.mark.parametrize("case", list(EDITS))
def test_the_admin_and_the_api_refuse_an_invalid_edit_with_the_service_s_words(
    operator_client, api, open_outage, schedule_maintenance, case
):
    edit = EDITS[case]
    incident = edit.opened(open_outage, schedule_maintenance)
    before = Incident.objects.filter(pk=incident.pk).values().get()

    with pytest.raises(ValidationError) as caught:
        services.edit_incident(incident, **edit.service)
    said_by_service = caught.value.message_dict[edit.field]

    response = operator_client.post(
        f"/admin/status/incident/{incident.pk}/change/", change_form(incident, **edit.form)
    )
    assert response.status_code == 200, "the admin accepted it"
    form_field = {"status": "update_status"}.get(edit.field, edit.field)
    said_by_admin = response.context["adminform"].form.errors[form_field]

    response = api.patch(f"incidents/{incident.pk}", {"incident": edit.patch})
    assert response.status_code == 422, response.content
    said_by_api = response.json()["errors"][edit.field]

    assert said_by_admin == said_by_api == said_by_service
    assert Incident.objects.filter(pk=incident.pk).values().get() == before


def test_a_patch_sets_the_incident_s_cause_and_logs_its_component_changes_as_the_api_s(
    api, components, open_outage, schedule_maintenance
):
    outage = resolved_outage(open_outage, schedule_maintenance)
    response = api.patch(
        f"incidents/{outage.pk}",
        {
            "incident": {
                "cause": "network",
                "components": {components["credit"].pk: "degraded_performance"},
            }
        },
    )
    assert response.status_code == 200, response.content
    outage.refresh_from_db()
    assert outage.cause == "network"
    assert StatusChange.objects.get(component=components["credit"]).cause == "api"
