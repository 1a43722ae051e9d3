"""The page row, and the "Operator" group with exactly the permissions operators need."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATOR_PERMISSIONS = {
    "status": [
        "view_page", "change_page",
        "view_componentgroup", "add_componentgroup", "change_componentgroup", "delete_componentgroup",
        "view_component", "add_component", "change_component", "delete_component",
        "view_statuschange",
        "view_incident", "add_incident", "change_incident", "delete_incident",
        "view_incidentupdate", "change_incidentupdate",
        "view_incidenttemplate", "add_incidenttemplate", "change_incidenttemplate", "delete_incidenttemplate",
    ],
}


def grant(apps, schema_editor, permissions=OPERATOR_PERMISSIONS):
    """Shared by later migrations that give operators the permissions of new models."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Operator")
    for app_label, codenames in permissions.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def create_page(apps, schema_editor):
    Page = apps.get_model("status", "Page")
    if not Page.objects.exists():
        from statuspage.status.models import new_public_id

        Page.objects.create(id=new_public_id(), name="Status", name_en="Status", name_zh_hans="服务状态")


class Migration(migrations.Migration):
    dependencies = [
        ("status", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_page, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
