"""The order of an admin change form's parts when inlines sit between fieldsets (Django
puts every inline after every fieldset): the entry form follows the page it makes."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    fieldset: object = None  # a django.contrib.admin.helpers.Fieldset, or
    inline: object = None  # an InlineAdminFormSet
    number: int = 0  # the fieldset's place among fieldsets (its heading's id)


def sections(adminform, inline_formsets, inlines_after):
    """Fieldsets in order, each followed by the inlines `inlines_after` names for it (by
    fieldset name → formset prefixes); inlines named nowhere, or after a fieldset that is
    not shown, come last, in their own order."""
    inlines = {formset.formset.prefix: formset for formset in inline_formsets}
    placed = []
    for number, fieldset in enumerate(adminform):
        placed.append(Section(fieldset=fieldset, number=number))
        for prefix in inlines_after.get(fieldset.name, ()):
            if prefix in inlines:
                placed.append(Section(inline=inlines.pop(prefix)))
    return placed + [Section(inline=formset) for formset in inlines.values()]
