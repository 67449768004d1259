"""Edit conflicts, caught and merged (the admin's entry form; see docs/editing.md).

A change form carries its *base*: the entry as it was when the form was made, signed.
A save made from an older version than the stored one is merged with what was saved
meanwhile, field by field and row by row (key points, quotes, sources, old addresses),
the way MediaWiki merges an edit with the revision it started from:

- what only one side changed takes that side's value;
- what both changed differently is a conflict: the form comes back with the editor's
  text kept and the other change shown beside it; saving again keeps what is then in
  the form.

The merged result goes back to the admin as ordinary form data made from the stored
entry, so validation, the change message and the revision are those of a normal save.

merge.py merges; values.py turns values between stored, posted and comparable forms;
admin.py puts it in the entry admin; presence.py keeps "Also editing now". The rest of
the editors' form: form_layout.py (the form in the page's order), inline_rows.py (labelled
row boxes), preview.py (the entry made from the unsaved form, for the preview),
time_zones.py (times shown to the second with their zone).
"""
