"""Every operator action leaves an entry in the audit log — who, what, when, before and after —
whether made in the admin or through the API; nobody can change or delete an entry."""

from __future__ import annotations

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from statuspage.api.models import ApiKey
from statuspage.notify.models import Subscriber
from statuspage.status.models import Incident, Page
from tests.status.admin_forms import change_form, errors_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(open_outage) -> Incident:
    return open_outage()


def changes_to(instance) -> LogEntry:
    """The latest change to `instance` (its creation by the fixture is logged too)."""
    return (
        LogEntry.objects.get_for_object(instance)
        .filter(action=LogEntry.Action.UPDATE)
        .order_by("-pk")
        .first()
    )


def test_an_admin_edit_of_an_incident_is_logged_with_its_operator_and_both_values(
    operator_client, operator, outage
):
    response = operator_client.post(
        f"/admin/status/incident/{outage.pk}/change/",
        change_form(outage, name_zh_hans="Payouts failing"),
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302, errors_of(response)
    entry = changes_to(outage)
    assert entry.actor == operator
    # The title is kept per language: the default language's changed; the cause note, untouched
    # in the form, is not logged as changed.
    assert entry.changes_dict["name_zh_hans"] == ["Disbursement failing", "Payouts failing"]
    assert not any(field.startswith("cause_note") for field in entry.changes_dict)
    assert entry.remote_addr == "203.0.113.7"


def test_an_api_patch_is_logged_with_the_key_creator_as_actor(operator, outage):
    _, key = ApiKey.issue(name="alerting", scopes=["read", "write"], created_by=operator)
    response = Client().patch(
        f"/v1/pages/{Page.get().id}/incidents/{outage.pk}",
        json.dumps({"incident": {"name": "Payouts failing"}}),
        content_type="application/json",
        headers={"Authorization": f"OAuth {key}"},
    )
    assert response.status_code == 200, response.content
    entry = changes_to(outage)
    assert entry.actor == operator
    assert entry.changes_dict["name"] == ["Disbursement failing", "Payouts failing"]


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(
    operator_client, outage, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    operator_client.post(
        f"/admin/status/incident/{outage.pk}/change/",
        change_form(outage, name_zh_hans="Payouts failing"),
        REMOTE_ADDR="198.51.100.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert changes_to(outage).remote_addr == "198.51.100.1"


def test_secrets_never_reach_the_log(components):
    subscriber = Subscriber.objects.create(
        mode="webhook", email="ops@example.com", endpoint="https://example.com/hook"
    )
    _, key = ApiKey.issue(name="alerting", scopes=["read"])
    logged = json.dumps(
        [e.changes_dict for e in LogEntry.objects.get_for_objects(Subscriber.objects.all())]
        + [e.changes_dict for e in LogEntry.objects.get_for_objects(ApiKey.objects.all())]
    )
    assert "ops@example.com" in logged  # the entries exist…
    assert subscriber.secret not in logged  # …without the signing secret
    assert subscriber.manage_nonce not in logged
    assert ApiKey.objects.get().hashed_key not in logged
    assert key not in logged


def test_operators_can_list_and_filter_the_log(operator_client, operator, outage):
    operator_client.post(
        f"/admin/status/incident/{outage.pk}/change/",
        change_form(outage, name_zh_hans="Payouts failing"),
    )
    listing = operator_client.get("/admin/auditlog/logentry/")
    assert listing.status_code == 200
    assert "Payouts failing" in listing.text
    filtered = operator_client.get(
        "/admin/auditlog/logentry/",
        {
            "actor__id__exact": operator.pk,
            "resource_type": ContentType.objects.get_for_model(Incident).pk,
            "action__exact": LogEntry.Action.UPDATE,
            "timestamp__gte": timezone.now().replace(hour=0, minute=0, second=0).isoformat(),
        },
    )
    assert filtered.status_code == 200
    assert list(filtered.context["cl"].result_list) == [changes_to(outage)]


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_nobody_changes_or_deletes_an_entry_in_the_admin(who, operator, outage):
    user = operator if who == "operator" else User.objects.create_superuser("root", password=None)
    client = Client()
    client.force_login(user)
    entry = LogEntry.objects.get_for_object(outage).first()
    url = f"/admin/auditlog/logentry/{entry.pk}"
    assert client.get(f"{url}/change/").status_code == 200  # read-only view
    assert client.post(f"{url}/change/", {"changes": "{}"}).status_code == 403
    assert client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/auditlog/logentry/", {"action": "delete_selected", "_selected_action": [entry.pk]}
    )
    assert bulk.status_code in (200, 302)
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_operator_group_may_only_read_the_log(operator):
    assert operator.has_perm("auditlog.view_logentry")
    assert not operator.has_perm("auditlog.change_logentry")
    assert not operator.has_perm("auditlog.delete_logentry")
