"""An API key acts for the person who made it, and only while they could do the same in the
console; importing subscribers without confirmation is a permission operators do not have."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from statuspage.api.models import ApiKey
from statuspage.notify.models import Subscriber
from statuspage.status.models import Component

COMPONENTS = "components"
IMPORT = {"subscriber": {"email": "ops@example.com", "skip_confirmation_notification": True}}


def test_a_key_works_while_its_owner_is_an_active_operator(api, components):
    assert api.get(COMPONENTS).status_code == 200
    response = api.patch(
        f"components/{components['app'].id}", {"component": {"status": "major_outage"}}
    )
    assert response.status_code == 200


def test_a_key_stops_working_the_moment_its_owner_is_deactivated(api, integrator):
    integrator.is_active = False
    integrator.save()
    response = api.get(COMPONENTS)
    assert response.status_code == 401
    assert response.json() == {"error": "Could not authenticate"}


def test_a_key_stops_working_when_its_owner_is_no_longer_staff(api, integrator):
    integrator.is_staff = False
    integrator.save()
    assert api.get(COMPONENTS).status_code == 401


def test_a_key_stops_working_when_its_owner_leaves_the_operator_group(api, integrator, components):
    integrator.groups.clear()
    response = api.get(COMPONENTS)
    assert response.status_code == 403
    assert "may no longer do this" in response.json()["error"]
    response = api.patch(
        f"components/{components['app'].id}", {"component": {"status": "major_outage"}}
    )
    assert response.status_code == 403
    assert Component.objects.get(pk=components["app"].pk).status == "operational"


def test_an_owner_who_may_read_but_no_longer_write_keeps_only_reading(api, integrator, components):
    reading = Group.objects.create(name="Readers")
    reading.permissions.add(
        *Permission.objects.filter(codename__in=["view_page", "view_component", "view_incident"])
    )
    integrator.groups.set([reading])
    assert api.get(COMPONENTS).status_code == 200
    response = api.patch(
        f"components/{components['app'].id}", {"component": {"status": "major_outage"}}
    )
    assert response.status_code == 403


def test_permissions_held_directly_count_as_well_as_through_groups(api, integrator):
    integrator.groups.clear()
    integrator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_page", "view_component", "view_incident"])
    )
    assert api.get(COMPONENTS).status_code == 200


def test_a_superusers_key_needs_no_group(api, integrator):
    integrator.groups.clear()
    integrator.is_superuser = True
    integrator.save()
    assert api.get(COMPONENTS).status_code == 200


def test_a_key_is_deleted_with_its_owner(api, integrator):
    integrator.delete()
    assert not ApiKey.objects.exists()
    assert api.get(COMPONENTS).status_code == 401


def test_a_key_made_on_the_server_without_an_owner_keeps_its_scopes(page, components):
    _, key = ApiKey.issue(name="script", scopes=["read"])
    response = Client().get(f"/v1/pages/{page.id}/components", {"api_key": key})
    assert response.status_code == 200


def test_checking_the_owner_costs_one_query(api, integrator, components):
    api.get(COMPONENTS)  # the key's last use is recorded once a minute; not in the count below
    with CaptureQueriesContext(connection) as queries:
        api.get(COMPONENTS)
    permission_queries = [q for q in queries if "auth_permission" in q["sql"]]
    assert len(permission_queries) == 1
    assert not [q for q in queries if 'FROM "auth_user"' in q["sql"]]  # loaded with the key


def test_operators_may_not_add_subscribers_without_confirmation(api, components):
    response = api.post("subscribers", IMPORT)
    assert response.status_code == 403
    assert "without confirmation" in response.json()["error"]
    assert not Subscriber.objects.exists()


def test_the_operator_group_lacks_the_permission_to_skip_confirmation(db):
    operators = Group.objects.get(name="Operator")
    assert not operators.permissions.filter(codename="add_subscriber_without_confirmation")


@pytest.mark.parametrize("holder", ["user", "group"])
def test_an_owner_with_the_permission_imports_subscribers_confirmed(
    api, integrator, components, holder
):
    permission = Permission.objects.get(codename="add_subscriber_without_confirmation")
    if holder == "user":
        integrator.user_permissions.add(permission)
    else:
        importers = Group.objects.create(name="Importers")
        importers.permissions.add(permission)
        integrator.groups.add(importers)
    response = api.post("subscribers", IMPORT)
    assert response.status_code == 201
    assert Subscriber.objects.get().state == "active"


def test_a_key_without_an_owner_may_not_skip_confirmation(page, components):
    _, key = ApiKey.issue(name="script", scopes=["read", "write"])
    response = Client().post(
        f"/v1/pages/{page.id}/subscribers?api_key={key}", IMPORT, content_type="application/json"
    )
    assert response.status_code == 403


def test_asking_for_confirmation_needs_no_extra_permission(api, components):
    body = {"subscriber": {"email": "ops@example.com", "skip_confirmation_notification": False}}
    assert api.post("subscribers", body).status_code == 201
    assert Subscriber.objects.get().state == "unconfirmed"


def test_a_superuser_may_skip_confirmation(api, integrator, components):
    User.objects.filter(pk=integrator.pk).update(is_superuser=True)
    assert api.post("subscribers", IMPORT).status_code == 201
