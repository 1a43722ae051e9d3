"""The status embed settings moved to the status app (the widget reads them); their row moves
with them."""

from django.db import migrations

FIELDS = (
    "position",
    "incident_background_color",
    "incident_text_color",
    "maintenance_background_color",
    "maintenance_text_color",
)


def move_the_row(apps, schema_editor):
    old = apps.get_model("api", "StatusEmbedConfig").objects.filter(pk=1).first()
    if old is not None:
        apps.get_model("status", "StatusEmbedConfig").objects.update_or_create(
            pk=1, defaults={name: getattr(old, name) for name in FIELDS}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_skip_confirmation_permission_and_keys_die_with_owner"),
        ("status", "0007_statusembedconfig"),
    ]

    operations = [
        migrations.RunPython(move_the_row, migrations.RunPython.noop),
        migrations.DeleteModel(name="StatusEmbedConfig"),
    ]
