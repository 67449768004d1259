"""What one version holds, as the text an editor reads: the object's fields, and the rows
of its followed relations (an entry's key points, quotes and sources) saved in the same
revision.

Choices read as their labels, times to the second with their zone, a category or a
related entry by its current name (revisions store only its id)."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import dateformat, timezone
from reversion.revisions import _get_options

TIME_FORMAT = "j M Y, H:i:s T"
DATE_FORMAT = "j M Y"


@dataclass(frozen=True)
class Shape:
    """What is compared of a model: its fields, and the fields of each followed relation
    (by related name), each in the order the form shows them."""

    model: type
    fields: list
    parts: dict  # related name -> list of the related model's fields


@dataclass(frozen=True)
class Row:
    name: str  # the row as it read when saved ("Urges pass.", a source's title)
    values: dict  # field name -> text


@dataclass(frozen=True)
class Snapshot:
    values: dict  # field name -> text
    parts: dict  # related name -> {row id -> Row}


def shape(model, order=(), exclude=(), parts=None):
    """The Shape of `model`: fields in `order` (others after, in model order), less
    `exclude`; `parts` maps related names to the order of their fields."""
    parts = parts or {}
    return Shape(
        model=model,
        fields=_ordered(compared_fields(model, exclude), order),
        parts={
            name: _ordered(
                compared_fields(model._meta.get_field(name).related_model, parent=model), fields
            )
            for name, fields in parts.items()
        },
    )


def compared_fields(model, exclude=(), parent=None):
    """The fields of `model` that versions store and an editor writes, in model order:
    not the id, derived values (not editable), `exclude`, or the link to `parent`."""
    stored = set(_get_options(model).fields)
    fields = [*model._meta.concrete_fields, *model._meta.many_to_many]
    return [
        field for field in fields
        if field.name in stored and field.editable and not field.primary_key
        and field.name not in exclude
        and not (parent is not None and field.is_relation and field.related_model is parent)
    ]  # fmt: skip


def _ordered(fields, order):
    place = {name: index for index, name in enumerate(order)}
    return sorted(fields, key=lambda field: place.get(field.name, len(place)))


def take(version, shape):
    """The Snapshot of `version`. Rows saved in the same revision for another object (a
    bulk action saves many entries in one revision) are left out."""
    stored = version.field_dict
    snapshot = Snapshot(_as_text([(f, stored.get(f.attname)) for f in shape.fields]), {})
    relations = {name: shape.model._meta.get_field(name) for name in shape.parts}
    types = ContentType.objects.get_for_models(*(rel.related_model for rel in relations.values()))
    rows = list(version.revision.version_set.filter(content_type__in=types.values(), db=version.db))
    for name, relation in relations.items():
        kept = {}
        for row in rows:
            if row.content_type_id != types[relation.related_model].pk:
                continue
            values = row.field_dict
            if str(values.get(relation.field.attname)) == version.object_id:
                named = [(f, values.get(f.attname)) for f in shape.parts[name]]
                kept[row.object_id] = Row(row.object_repr, _as_text(named))
        snapshot.parts[name] = kept
    return snapshot


def _as_text(named_values):
    """{field name: text} for (field, value) pairs; the names of related objects are read
    in one query per related model."""
    wanted = {}
    for field, value in named_values:
        if field.is_relation and value not in (None, []):
            wanted.setdefault(field.related_model, set()).update(
                value if field.many_to_many else [value]
            )
    names = {
        model: {str(pk): str(obj) for pk, obj in model._default_manager.in_bulk(ids).items()}
        for model, ids in wanted.items()
    }
    return {
        field.name: text(field, value, names.get(field.related_model, {}))
        for field, value in named_values
    }


def text(field, value, names):
    """One stored value as an editor reads it; `names` maps related ids to their names."""
    if value is None or value == []:
        return ""
    if field.many_to_many:
        return "\n".join(sorted((_name(field, pk, names) for pk in value), key=str.casefold))
    if field.is_relation:
        return _name(field, value, names)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return dateformat.format(local, TIME_FORMAT)
    if isinstance(field, models.DateField):
        return dateformat.format(value, DATE_FORMAT)
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    return str(value)


def _name(field, pk, names):
    return names.get(str(pk)) or f"{field.related_model._meta.verbose_name} #{pk} (deleted)"
