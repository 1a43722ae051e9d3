import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import statuspage.api.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="What uses this key, e.g. “Alertmanager bridge”.", max_length=100, verbose_name="name")),
                ("prefix", models.CharField(editable=False, help_text="The key's first characters, to recognise it.", max_length=8, verbose_name="prefix")),
                ("hashed_key", models.CharField(editable=False, max_length=64, unique=True)),
                ("scopes", models.JSONField(default=list, validators=[statuspage.api.models.validate_scopes], verbose_name="scopes")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created")),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last used")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text="API writes are recorded as this person's.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
            ],
            options={
                "verbose_name": "API key",
                "verbose_name_plural": "API keys",
                "ordering": ["-created_at"],
            },
        ),
    ]
