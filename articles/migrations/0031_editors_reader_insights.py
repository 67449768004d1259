"""Editors triage readers' reports (view, change, delete: spam) and read the searches'
and views' reports (view only: those rows are written by readers' visits)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "feedbackreport": ("view", "change", "delete"),
    "searchday": ("view",),
    "searchopen": ("view",),
    "searchtotal": ("view",),
    "dailyviews": ("view",),
}


def _permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in GRANTS.items() for action in actions]
    return Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("articles", "0030_reader_insights")]

    operations = [migrations.RunPython(grant, revoke)]
