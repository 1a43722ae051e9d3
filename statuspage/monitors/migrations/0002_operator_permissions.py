"""Operators manage probes and alert sources, and read what they found."""

import importlib

from django.db import migrations

OPERATOR_PERMISSIONS = {
    "monitors": [
        "view_probe", "add_probe", "change_probe", "delete_probe",
        "view_proberesult",
        "view_monitoringfailure",
        "view_alertsource", "change_alertsource", "delete_alertsource",
        "view_alertstate",
    ],
}


def grant(apps, schema_editor):
    earlier = importlib.import_module("statuspage.status.migrations.0002_page_and_operators")
    earlier.grant(apps, schema_editor, OPERATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("monitors", "0001_initial"),
        ("status", "0002_page_and_operators"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
