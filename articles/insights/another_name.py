"""A search that found nothing, added as another name of a published entry: one new line
of its other names (aliases), saved as the entry's own form would save it, so that the
search index, cross-links and History follow (articles/content/signals.py, reversion).

Reached from the searches' report ("Add as another name of…") by editors who may change
entries (search_admin.py checks that)."""

import reversion
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ..models import Entry
from ..models.insights import QUERY_MAX
from ..search import search
from ..search.text import clean_query, normalize
from . import search_reports

CANDIDATES = 10  # entries offered to choose from


class AnotherNameForm(forms.Form):
    name = forms.CharField(
        label="Name to add",
        max_length=200,
        help_text="As readers search for it; you may correct its spelling or capitals.",
    )
    entry = forms.ModelChoiceField(
        queryset=Entry.objects.none(),
        error_messages={
            "required": "Choose the entry this is another name of.",
            "invalid_choice": "Choose a published entry.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = Entry.objects.published()  # public as of now

    def clean_name(self):
        # One line of the entry's other names: printable, single-spaced.
        name = clean_query(self.cleaned_data["name"])
        if not normalize(name):
            raise forms.ValidationError("Write a name with letters or digits.")
        return name

    def clean(self):
        cleaned = super().clean()
        name, entry = cleaned.get("name"), cleaned.get("entry")
        if name and entry and normalize(name) in names_of(entry):
            self.add_error("name", already(name, entry))
        return cleaned


def names_of(entry):
    """The entry's title and other names, as search compares them."""
    return {normalize(name) for name in (entry.title, *entry.alias_list)}


def already(name, entry):
    return f"“{name}” is already a name of “{entry.title}”: nothing was added."


def add_name(request, entries, entry_id, name):
    """The entry with `name` added to its other names, or None if it has it already
    (checked again under the row's lock: two editors may add the same name at once)."""
    comment = f"Added “{name}” as another name (from searches)"
    with transaction.atomic(), reversion.create_revision():
        entry = Entry.objects.select_for_update().get(pk=entry_id)
        if normalize(name) in names_of(entry):
            return None
        entry.aliases = "\n".join([*entry.aliases.rstrip().splitlines(), name])
        entry.save()  # signals: search index, cross-links, the entry's version
        reversion.set_user(request.user)
        entries.log_change(request, entry, comment)  # the admin's "Recent actions"
        reversion.set_comment(comment)
    return entry


def view(request, model_admin, entries):
    """GET: the search, a box to find the entry (the site's own search; at first, what it
    finds for the search itself) and the entries found to choose from. POST: add it."""
    site = model_admin.admin_site
    query = clean_query(request.GET.get("query", ""))[:QUERY_MAX]
    days = request.GET.get("days")
    if days not in {str(n) for n in search_reports.PERIODS}:
        days = search_reports.DEFAULT_DAYS
    back = f"{reverse(f'{site.name}:articles_searchday_changelist')}?report=no-results&days={days}"
    form = AnotherNameForm(request.POST if request.method == "POST" else None,
                           initial={"name": query})  # fmt: skip
    if form.is_bound and form.is_valid():
        entry, name = form.cleaned_data["entry"], form.cleaned_data["name"]
        if not entries.has_change_permission(request, entry):
            raise PermissionDenied
        added = add_name(request, entries, entry.pk, name)
        if added is not None:
            messages.success(request, f"Added “{name}” as another name of “{added.title}”.")
            return redirect(back)
        form.add_error("name", already(name, entry))
    find = clean_query(request.GET.get("find", ""))
    found = search(find or query).ids[:CANDIDATES] if (find or query) else []
    candidates = Entry.objects.only("title", "slug", "aliases").in_bulk(found)
    context = {
        **site.each_context(request),
        "opts": model_admin.opts,
        "title": "Add a search as another name of an entry",
        "query": query,
        "find": find,
        "days": days,
        "back": back,
        "form": form,
        "candidates": [candidates[pk] for pk in found if pk in candidates],
        "chosen": str(form["entry"].value() or ""),
    }
    status = 200 if query or form.is_bound else 400  # opened without a search
    return TemplateResponse(request, "admin/insights/another_name.html", context, status=status)
