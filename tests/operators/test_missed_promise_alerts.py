"""Who hears of a missed promise: active staff with an address who may change incidents, and
ADMINS; nobody twice, nobody else."""

from __future__ import annotations

from django.contrib.auth.models import Permission, User

from statuspage.operators.alerts import operator_addresses


def test_active_staff_who_may_change_incidents_and_admins_are_told_once(
    operator, outsider, settings
):
    operator.email = "olga@example.com"
    operator.save()
    outsider.email = "sam@example.com"  # staff, but may not change incidents
    outsider.save()
    direct = User.objects.create_user("dora", "dora@example.com", is_staff=True)
    direct.user_permissions.add(Permission.objects.get(codename="change_incident"))
    User.objects.create_user("ivy", "ivy@example.com", is_staff=True, is_active=False)
    User.objects.create_superuser("root", "root@example.com", "root-password-1")
    User.objects.create_user("vic", "vic@example.com")  # not staff
    User.objects.create_superuser("nomail", "", "root-password-1")
    settings.ADMINS = [("Ops", "ops@example.com"), "root@example.com"]

    assert operator_addresses() == [
        "olga@example.com",
        "dora@example.com",
        "root@example.com",
        "ops@example.com",
    ]
