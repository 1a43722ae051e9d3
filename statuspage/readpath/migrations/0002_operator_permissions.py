"""Operators see each publish target's state and last error in the console."""

from django.db import migrations

PERMISSIONS = {"readpath": ["view_publishtarget"]}


def grant(apps, schema_editor):
    from importlib import import_module

    import_module("statuspage.status.migrations.0002_page_and_operators").grant(
        apps, schema_editor, PERMISSIONS
    )


class Migration(migrations.Migration):
    dependencies = [("readpath", "0001_initial"), ("status", "0002_page_and_operators")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
