"""Operators see who was notified and what failed, replay deliveries, reactivate subscribers."""

from django.db import migrations


PERMISSIONS = {
    "notify": [
        "view_subscriber", "change_subscriber",
        "view_notice",
        "view_delivery", "change_delivery",
        "view_attempt",
    ],
}


def grant(apps, schema_editor):
    from importlib import import_module

    import_module("statuspage.status.migrations.0002_page_and_operators").grant(
        apps, schema_editor, PERMISSIONS
    )


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial"), ("status", "0002_page_and_operators")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
