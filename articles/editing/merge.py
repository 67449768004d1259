"""The merge of a change form made from an older version of an entry with what was saved
since (see the package's docstring and docs/editing.md)."""

from dataclasses import dataclass, field

from django import forms
from django.core import signing
from django.utils import timezone
from reversion.models import Version

from ..history.diff import diff
from .presence import name_of
from .values import cleaned, form_data, normal, put, row_shown, shown, stored_value

SALT = "articles.editing.base"
# Django's own cap on the forms of a formset.
MAX_ROWS = 1000


@dataclass(frozen=True)
class Spec:
    """What an editor writes in the form: the entry's fields, and its rows by inline
    prefix (the related name) with their fields."""

    fields: tuple
    rows: dict  # prefix -> tuple of field names


@dataclass
class Conflict:
    label: str
    message: str
    mine: str = ""
    theirs: str = ""
    base: str = ""
    field: str | None = None  # a field of the entry
    prefix: str | None = None  # or a row: its inline, and its place in the form
    index: int | None = None
    by: str = ""  # who changed it meanwhile, and when

    @property
    def their_change(self):
        """Their text, marked against the text the form was opened with."""
        return diff(self.base, self.theirs).inline

    @property
    def your_change(self):
        return diff(self.base, self.mine).inline


@dataclass
class Outcome:
    """What a save made from an older version becomes."""

    post: object  # the form data to save
    changed_meanwhile: bool = False
    conflicts: list = field(default_factory=list)
    merged: list = field(default_factory=list)  # their changes taken in
    notice: str = ""  # a problem with the form itself, shown at its top
    editors: list = field(default_factory=list)  # who saved meanwhile: (name, when)

    def field_conflicts(self):
        return [c for c in self.conflicts if c.field]

    def row_conflicts(self, prefix):
        return [c for c in self.conflicts if c.prefix == prefix]


def _rows(article, prefix):
    return getattr(article, prefix).all()


def snapshot(article, spec):
    """The entry as a form made now starts from."""
    latest = Version.objects.get_for_object(article).order_by("-pk").first()
    return {
        "entry": article.pk,
        "version": article.version,
        "seen": latest.pk if latest else 0,
        "fields": {name: normal(stored_value(article, name)) for name in spec.fields},
        "rows": {
            prefix: {
                str(row.pk): {name: normal(stored_value(row, name)) for name in names}
                for row in _rows(article, prefix)
            }
            for prefix, names in spec.rows.items()
        },
    }


def token(state):
    return signing.dumps(state, salt=SALT, compress=True)


def read_token(value):
    try:
        return signing.loads(value or "", salt=SALT)
    except signing.BadSignature:
        return None


@dataclass
class _Row:
    index: int
    id: str
    delete: bool
    values: dict
    keys: list  # its form data keys


def _posted_rows(post, files, prefix, formset, names):
    try:
        total = max(0, min(int(post.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_ROWS))
    except (TypeError, ValueError):
        total = 0
    form_fields = formset.form.base_fields
    rows = []
    for index in range(total):
        start = f"{prefix}-{index}-"
        values = {
            name: cleaned(
                form_fields[name],
                form_fields[name].widget.value_from_datadict(post, files, start + name),
            )
            for name in names
            if name in form_fields
        }
        rows.append(
            _Row(
                index=index,
                id=(post.get(start + "id") or "").strip(),
                delete=forms.CheckboxInput().value_from_datadict(post, files, start + "DELETE"),
                values=values,
                keys=[key for key in post if key.startswith(start)],
            )
        )
    return rows


def _editor(version):
    user = version.revision.user
    if user is None:
        return version.revision.get_comment() or "a change made outside the admin"
    return name_of(user)


def _changes_since(article, state):
    """Who saved the entry after the form was made, oldest first: [(name, when)]."""
    versions = (
        Version.objects.get_for_object(article)
        .filter(pk__gt=state.get("seen", 0))
        .select_related("revision__user")
        .order_by("pk")
    )
    return [(_editor(v), v.revision.date_created, v) for v in versions]


def _who_changed(changes, base_fields, article):
    """For each field, who changed it last among `changes`, from the revisions' data."""
    who, previous = {}, dict(base_fields)
    for name, when, version in changes:
        try:
            data = version.field_dict
        except Exception:  # an old revision reversion can no longer read
            continue
        for field_name in base_fields:
            attname = article._meta.get_field(field_name).attname
            if attname in data:
                value = normal(data[attname])
                if value != previous.get(field_name):
                    who[field_name] = (name, when)
                    previous[field_name] = value
    return who


def _said(who_when):
    name, when = who_when
    return f"{name} at {timezone.localtime(when):%H:%M:%S %Z}"


def reconcile(request, article, spec, form_class, formsets):
    """The posted form, merged with what was saved since it was made. `article` is the
    stored entry, locked for this transaction; `formsets` maps inline prefixes to the
    admin's formset classes."""
    post = request.POST.copy()
    base = read_token(post.get("edit_base"))
    if base is not None and base.get("entry") != article.pk:
        base = None  # another entry's form
    current = snapshot(article, spec)
    post["edit_base"] = token(current)
    if base is not None and base.get("version") == article.version:
        return Outcome(post=post)

    outcome = Outcome(post=post, changed_meanwhile=True)
    if base is None:
        # Made before forms carried their version, or damaged: nothing can show what
        # changed since. Start from the stored entry and ask the editor to check.
        base = current
        outcome.notice = (
            "This form did not say which version of the entry it was made from, so it "
            "was not saved. Check your changes against the entry as it is now, then "
            "save again."
        )
    changes = _changes_since(article, base)
    outcome.editors = [(name, when) for name, when, _ in changes]
    meanwhile = (
        ", ".join(dict.fromkeys(_said((name, when)) for name, when, _ in changes[-3:]))
        or "another change"
    )
    who = _who_changed(changes, base["fields"], article)

    _merge_fields(outcome, request, article, spec, form_class, base, current, who, meanwhile)
    for prefix, names in spec.rows.items():
        if prefix in formsets:
            _merge_rows(outcome, request, article, prefix, names, formsets[prefix], base,
                        current, meanwhile)  # fmt: skip
    return outcome


def _merge_fields(outcome, request, article, spec, form_class, base, current, who, meanwhile):
    post = outcome.post
    for name in spec.fields:
        form_field = form_class.base_fields.get(name)
        if form_field is None:
            continue
        theirs = current["fields"][name]
        original = base["fields"].get(name, theirs)
        raw = form_field.widget.value_from_datadict(request.POST, request.FILES, name)
        mine = cleaned(form_field, raw)
        if mine == theirs:
            continue
        label = str(form_field.label or name).capitalize()
        if isinstance(mine, list) and isinstance(theirs, list) and isinstance(original, list):
            # A set (related entries): both sides' additions and removals apply.
            merged = (set(theirs) | (set(mine) - set(original))) - (set(original) - set(mine))
            if merged != set(mine):
                put(post, form_data(form_field, name, sorted(merged)))
                outcome.merged.append(label)
            continue
        if mine == original:
            # Only they changed it: take their value.
            put(post, form_data(form_field, name, stored_value(article, name)))
            outcome.merged.append(label)
        elif theirs != original:
            by = _said(who[name]) if name in who else meanwhile
            outcome.conflicts.append(
                Conflict(
                    label=label,
                    field=name,
                    message=f"Changed by {by} while you were editing. Your text is kept "
                    "here; their text is shown at the top of the form. Saving again keeps "
                    "what is in this field.",
                    mine=shown(form_field, mine),
                    theirs=shown(form_field, theirs),
                    base=shown(form_field, original),
                    by=by,
                )
            )


def _merge_rows(outcome, request, article, prefix, names, formset, base, current, meanwhile):
    post = outcome.post
    form_fields = formset.form.base_fields
    noun = str(formset.model._meta.verbose_name)
    base_rows = base["rows"].get(prefix, {})
    stored = {str(row.pk): row for row in _rows(article, prefix)}
    current_rows = current["rows"][prefix]
    posted = _posted_rows(request.POST, request.FILES, prefix, formset, names)
    kept, added = [], []  # (row, how, conflict): rows for existing objects, new rows

    def conflict(message, mine="", theirs="", original=""):
        return Conflict(
            label=noun.capitalize(), prefix=prefix, message=message, mine=mine,
            theirs=theirs, base=original, by=meanwhile,
        )  # fmt: skip

    for row in posted:
        if not row.id:
            added.append((row, "as posted", None))
            continue
        original = base_rows.get(row.id)
        mine_changed = original is None or any(
            row.values.get(n) != original.get(n) for n in row.values
        )
        if row.id not in current_rows:
            if original is None:
                added.append((row, "new", None))  # a row of an older version, brought back
            elif row.delete or not mine_changed:
                outcome.merged.append(f"{noun} deleted")
            else:
                added.append((row, "new", conflict(
                    f"Deleted by {meanwhile} while you were editing it. Your version is "
                    f"kept here as a new {noun}; delete it to let the deletion stand.",
                    mine=row_shown(form_fields, row.values), theirs="(deleted)",
                    original=row_shown(form_fields, original),
                )))  # fmt: skip
            continue
        theirs = current_rows[row.id]
        theirs_changed = original is not None and theirs != original
        if not theirs_changed:
            kept.append((row, "as posted", None))
        elif row.delete:
            kept.append((row, "theirs, deleted", conflict(
                f"Changed by {meanwhile} while you were editing; you deleted it. Their "
                f"version is shown, still marked for deletion: save again to delete it, "
                f"or untick Delete to keep it.",
                theirs=row_shown(form_fields, theirs),
                original=row_shown(form_fields, original),
            )))  # fmt: skip
        else:
            clashes = [
                n for n in row.values
                if row.values[n] != original.get(n) and theirs.get(n) != original.get(n)
                and row.values[n] != theirs.get(n)
            ]  # fmt: skip
            if clashes:
                kept.append((row, "as posted", conflict(
                    f"Changed by {meanwhile} while you were editing. Your version is kept "
                    f"here; theirs: “{row_shown(form_fields, theirs)}”. Saving again keeps "
                    f"what is in this row.",
                    mine=row_shown(form_fields, row.values),
                    theirs=row_shown(form_fields, theirs),
                    original=row_shown(form_fields, original),
                )))  # fmt: skip
            else:
                taken = [n for n in row.values if row.values[n] == original.get(n)]
                kept.append((row, taken, None))
                if any(theirs.get(n) != original.get(n) for n in taken):
                    outcome.merged.append(f"{noun} changed")
    # Rows of the form's version that the form left out (a revert's form leaves out the
    # rows the older version did not have): the editor removes them.
    posted_ids = {row.id for row in posted}
    if f"{prefix}-TOTAL_FORMS" in request.POST:
        for row_id in base_rows.keys() - posted_ids:
            if row_id in current_rows and current_rows[row_id] == base_rows[row_id]:
                kept.append((_Row(-1, row_id, True, {}, []), "theirs, deleted", None))
    if current_rows.keys() - base_rows.keys() - posted_ids:
        outcome.merged.append(f"{noun} added")

    _write_rows(post, prefix, form_fields, names, stored, kept, added, outcome)


def _write_rows(post, prefix, form_fields, names, stored, kept, added, outcome):
    """Rewrite the inline's form data: rows of stored objects first, then new ones."""
    old = {key: post.getlist(key) for row, _, _ in kept + added for key in row.keys}
    for key in [
        k for k in post if k.startswith(f"{prefix}-") and k[len(prefix) + 1 :][:1].isdigit()
    ]:
        del post[key]
    for index, (row, how, clash) in enumerate(kept + added):
        start = f"{prefix}-{index}-"
        for key in row.keys:
            rest = key.split("-", 2)[2]
            if how == "new" and rest in ("id", "DELETE"):
                continue
            post.setlist(start + rest, old[key])
        if how in ("theirs, deleted",) or isinstance(how, list):
            obj = stored[row.id]
            post[start + "id"] = row.id
            post[start + "article"] = str(obj.article_id)
            taken = names if how == "theirs, deleted" else how
            for name in taken:
                if name in form_fields:
                    put(post, form_data(form_fields[name], start + name, getattr(obj, name)))
            if how == "theirs, deleted":
                post[start + "DELETE"] = "on"
        if clash is not None:
            clash.index = index
            outcome.conflicts.append(clash)
    post[f"{prefix}-TOTAL_FORMS"] = str(len(kept) + len(added))
    post[f"{prefix}-INITIAL_FORMS"] = str(len(kept))
