"""Operators manage recurring maintenance and the self-help topics in the console."""

import importlib

from django.db import migrations

OPERATOR_PERMISSIONS = {
    "status": [
        "view_recurringmaintenance", "add_recurringmaintenance",
        "change_recurringmaintenance", "delete_recurringmaintenance",
        "view_selfhelptopic", "add_selfhelptopic", "change_selfhelptopic", "delete_selfhelptopic",
    ],
}


def grant(apps, schema_editor):
    earlier = importlib.import_module("statuspage.status.migrations.0002_page_and_operators")
    earlier.grant(apps, schema_editor, OPERATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("status", "0003_maintenance_uptime_self_help")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
