"""An entry's values three ways: as stored, as a form posts them, and as plain values
that compare equal when an editor would call them the same."""

import datetime

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


def normal(value):
    """A value as the form and the database both give it, comparable and JSON-ready:
    line ends and surrounding spaces as forms clean them, times to the second in UTC,
    related objects by primary key."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | models.QuerySet):
        items = [normal(item) for item in value]
        try:
            return sorted(items)  # a set of related entries, in any order
        except TypeError:  # the parts of a split field, some missing
            return items
    return value


def stored_value(obj, name):
    """A field's value on a saved object, as a form field takes it."""
    model_field = obj._meta.get_field(name)
    if model_field.many_to_many:
        return list(getattr(obj, name).values_list("pk", flat=True))
    if model_field.is_relation:
        return getattr(obj, model_field.attname)
    return getattr(obj, name)


def cleaned(form_field, raw):
    try:
        return normal(form_field.clean(raw))
    except ValidationError:
        return normal(raw)  # not valid: differs from any stored value, the form will say


def _widget(form_field):
    widget = form_field.widget
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    return widget


def form_data(form_field, name, value):
    """The form data a browser would post for `value` in this field: {key: [values]}."""
    widget = _widget(form_field)
    prepared = form_field.prepare_value(value)
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(prepared)
        return {
            name + suffix: ["" if part is None else str(sub.format_value(part) or "")]
            for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True)
        }
    if getattr(widget, "allow_multiple_selected", False):
        return {name: [str(item) for item in prepared or ()]}
    if isinstance(widget, forms.CheckboxInput):
        return {name: ["on"] if value else []}
    formatted = widget.format_value(prepared)
    return {name: ["" if formatted is None else str(formatted)]}


def put(post, data):
    for key, values in data.items():
        post.setlist(key, values)


def shown(form_field, value):
    """A normalised value as an editor reads it."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        objects = form_field.queryset.model._default_manager.filter(pk__in=value)
        return ", ".join(sorted(str(obj) for obj in objects)) or "(empty)"
    if isinstance(form_field, forms.ModelChoiceField):
        obj = form_field.queryset.model._default_manager.filter(pk=value).first()
        return str(obj) if obj else str(value)
    if isinstance(form_field, forms.SplitDateTimeField | forms.DateTimeField):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    choices = dict(getattr(form_field, "choices", ()) or ())
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    return str(value)


def row_shown(form_fields, values):
    return " · ".join(
        shown(form_fields[name], value)
        for name, value in values.items()
        if name in form_fields and name != "order" and value not in ("", None)
    )
