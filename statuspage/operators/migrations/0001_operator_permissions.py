"""Operators read the audit log (nobody may change it) and manage their own TOTP devices."""

import importlib

from django.db import migrations

OPERATOR_PERMISSIONS = {
    "auditlog": ["view_logentry"],
    "otp_totp": ["view_totpdevice", "add_totpdevice", "change_totpdevice", "delete_totpdevice"],
}


def grant(apps, schema_editor):
    earlier = importlib.import_module("statuspage.status.migrations.0002_page_and_operators")
    earlier.grant(apps, schema_editor, OPERATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("status", "0002_page_and_operators"),
        ("auditlog", "0017_add_actor_email"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
