"""Operators make and revoke API keys in the console."""

from importlib import import_module

from django.db import migrations

OPERATOR_PERMISSIONS = {"api": ["view_apikey", "add_apikey", "change_apikey", "delete_apikey"]}


def grant(apps, schema_editor):
    status_migration = import_module("statuspage.status.migrations.0002_page_and_operators")
    status_migration.grant(apps, schema_editor, OPERATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("status", "0002_page_and_operators"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
