"""Inline rows with named boxes: Django's tabular inlines put the field names in column
headings only, so a screen reader announces a row's boxes with no name (axe: "label")."""

from django.forms.models import BaseInlineFormSet
from django.utils.text import capfirst


class LabelledRowsFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete this row")


class LabelledRows:
    """For a TabularInline: each box named for its column."""

    formset = LabelledRowsFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and not field.widget.is_hidden:
            name = f"{capfirst(self.model._meta.verbose_name)}: {db_field.verbose_name}"
            field.widget.attrs.setdefault("aria-label", name)
        return field
