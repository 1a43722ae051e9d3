"""Operators manage the functions borrowers use and the alternative channels offered to them."""

import importlib

from django.db import migrations

OPERATOR_PERMISSIONS = {
    "status": [
        "view_function", "add_function", "change_function", "delete_function",
        "view_alternativechannel", "add_alternativechannel", "change_alternativechannel",
        "delete_alternativechannel",
    ],
}


def grant(apps, schema_editor):
    earlier = importlib.import_module("statuspage.status.migrations.0002_page_and_operators")
    earlier.grant(apps, schema_editor, OPERATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("operators", "0001_operator_permissions"),
        ("status", "0008_message_model"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
