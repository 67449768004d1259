"""Editors may add, change and delete an entry's sources (the Sources part of the form was
read-only to them: migration 0014 added the model after the group was made)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("source",)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="articles", content_type__model__in=MODELS
    )
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="articles", content_type__model__in=MODELS
    )
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [("articles", "0023_edit_versions_and_presence")]

    operations = [migrations.RunPython(grant, revoke)]
