"""The management commands `make run` uses."""

from __future__ import annotations

from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command

from statuspage.status.models import Component, Incident, Page, StatusChange


def run(name: str, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_the_demo_is_a_lending_service_in_both_languages(db):
    run("load_demo")
    names = set(Component.objects.values_list("name_en", flat=True))
    assert {
        "Identity verification",
        "Credit assessment",
        "Limit allocation",
        "Disbursement",
    } <= names
    assert {"App", "Mini-program", "Web"} <= names
    assert Component.objects.filter(name_zh_hans="放款").exists()
    assert Page.get().time_zone == "Asia/Shanghai"
    past = Incident.objects.get(kind="incident")
    assert past.status == "resolved"
    assert past.updates.count() >= 3
    assert Incident.objects.get(kind="maintenance").status == "scheduled"
    assert StatusChange.objects.filter(component__name_en="Disbursement").count() == 3


def test_the_demo_loads_once(db):
    run("load_demo")
    counts = (Component.objects.count(), Incident.objects.count())
    assert "nothing loaded" in run("load_demo")
    assert (Component.objects.count(), Incident.objects.count()) == counts


def test_the_operator_login_is_created_once_and_its_password_printed_once(db, settings, tmp_path):
    settings.RUN_DIR = tmp_path
    first = run("ensure_operator")
    user = User.objects.get(username="operator")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="Operator").exists()
    password = first.split(" / ")[1].split()[0]
    assert user.check_password(password)
    second = run("ensure_operator")
    assert password not in second
    assert "operator" in second and "changepassword" in second
    assert User.objects.count() == 1
