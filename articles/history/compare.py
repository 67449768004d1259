"""The differences between two versions: each changed field, and each row of a followed
relation (key point, quote, source) changed, added or removed. Rows are matched by id, as
the form edits them: a row deleted and typed again reads as removed and added."""

from dataclasses import dataclass

from django.utils.text import capfirst

from .diff import diff
from .snapshots import take


@dataclass(frozen=True)
class Change:
    label: str
    diff: object  # diff.Diff


@dataclass(frozen=True)
class RowChange:
    state: str  # "added", "removed" or "changed"
    name: str
    changes: list


@dataclass(frozen=True)
class PartChanges:
    label: str  # "Key points"
    name: str  # "key point"
    rows: list
    unchanged: int


@dataclass(frozen=True)
class Comparison:
    fields: list
    parts: list

    @property
    def same(self):
        return not self.fields and not any(part.rows for part in self.parts)


def between(older, newer, shape):
    """The Comparison of two versions of one object (`older` saved first). Reading a
    version reversion can no longer load raises reversion.errors.RevertError."""
    before, after = take(older, shape), take(newer, shape)
    fields = _changes(shape.fields, before.values, after.values)
    parts = []
    for name, row_fields in shape.parts.items():
        model = shape.model._meta.get_field(name).related_model
        old_rows, new_rows = before.parts[name], after.parts[name]
        rows = []
        for row_id in sorted(old_rows.keys() | new_rows.keys(), key=_row_order(old_rows, new_rows)):
            old, new = old_rows.get(row_id), new_rows.get(row_id)
            if old is None:
                rows.append(RowChange("added", new.name, _changes(row_fields, {}, new.values)))
            elif new is None:
                rows.append(RowChange("removed", old.name, _changes(row_fields, old.values, {})))
            elif changes := _changes(row_fields, old.values, new.values):
                rows.append(RowChange("changed", new.name, changes))
        unchanged = len(old_rows.keys() & new_rows.keys()) - sum(r.state == "changed" for r in rows)
        parts.append(
            PartChanges(
                capfirst(model._meta.verbose_name_plural), model._meta.verbose_name, rows, unchanged
            )
        )
    return Comparison(fields, parts)


def _changes(fields, old, new):
    return [
        Change(capfirst(field.verbose_name), diff(old.get(field.name, ""), new.get(field.name, "")))
        for field in fields
        if old.get(field.name, "") != new.get(field.name, "")
    ]


def _row_order(old_rows, new_rows):
    """Rows in the newer version's order (a removed row where it stood), then by id."""

    def key(row_id):
        row = new_rows.get(row_id) or old_rows[row_id]
        order = row.values.get("order", "")
        return (int(order) if order.isdigit() else 0, int(row_id) if row_id.isdigit() else 0)

    return key
