"""Editors may add, change and delete the words to avoid (the stigma check's list:
migration 0027 added the model after the group was made)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("wordtoavoid",)


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
    dependencies = [("articles", "0028_words_to_avoid")]

    operations = [migrations.RunPython(grant, revoke)]
