"""The admin side of "no edit is ever lost": the entry form carries the version it was
made from (merge.py merges a save made from an older one), inline rows show
every error where it is, and the form says who else has it open (presence.py).
"""

import secrets
from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.db import models, transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from reversion import set_comment
from reversion.models import Version

from ..models import COUNTERS, Source
from . import merge, presence

HEARTBEAT_SECONDS = 30


class EntryForm(forms.ModelForm):
    # The entry as this form was made from it (signed): a save from an older version is
    # merged, not written over what was saved meanwhile.
    edit_base = forms.CharField(widget=forms.HiddenInput, required=False)

    @cached_property
    def changed_data(self):
        # Bookkeeping, not a change of the entry (the history says what changed).
        return [name for name in super().changed_data if name != "edit_base"]


class TextWithNewlines(forms.CharField):
    """Text whose line ends are stored as typed, not as browsers send them: a textarea
    posts CRLF, so text stored with LF would otherwise read as changed by every save
    (and History would say so)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


def _text_form_class(db_field, kwargs):
    if isinstance(db_field, models.TextField) and not db_field.choices:
        kwargs.setdefault("form_class", TextWithNewlines)


class VisibleRowErrors:
    """For inlines: conflicts and hidden fields' errors shown on their row."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        _text_form_class(db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return formset_with_visible_errors(formset, getattr(request, "edit_outcome", None))


class ProtectedEdits:
    """For the entries' ModelAdmin (a reversion VersionAdmin)."""

    form = EntryForm

    @property
    def media(self):
        return super().media + forms.Media(
            css={"all": ["css/admin-editing.css", "css/admin-history.css"]},
            js=["js/admin-editing.js"],
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        _text_form_class(db_field, kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def reversion_register(self, model, **kwargs):
        if model is self.model:
            # Bookkeeping and statistics, not content: a revert must not set them back.
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "version", *COUNTERS)
        if model is Source:
            # What the link check last found: a revert must not bring back an old finding.
            kwargs["exclude"] = (*kwargs.get("exclude", ()), *Source.CHECK_FIELDS)
        super().reversion_register(model, **kwargs)

    @cached_property
    def edit_spec(self):
        readonly = set(self.readonly_fields)
        rows = {}
        for inline in self.inlines:
            prefix = inline.model._meta.get_field("article").remote_field.get_accessor_name()
            rows[prefix] = tuple(f for f in inline.fields if f not in inline.readonly_fields)
        fields = tuple(f for f in flatten_fieldsets(self.fieldsets) if f not in readonly)
        return merge.Spec(fields=fields, rows=rows)

    def _reconcile(self, request, article):
        formsets = {
            formset.get_default_prefix(): formset
            for formset, _ in self.get_formsets_with_inlines(request, article)
        }
        outcome = merge.reconcile(
            request, article, self.edit_spec, self.get_form(request, article), formsets
        )
        request.POST = outcome.post
        request.edit_outcome = outcome
        return outcome

    def _locked(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_change_permission(request, article):
            return None
        return self.model._default_manager.select_for_update().get(pk=article.pk)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if (
            request.method != "POST"
            or object_id is None
            or "_saveasnew" in request.POST
            or hasattr(request, "edit_outcome")  # reconciled already (a revert)
        ):
            return super().changeform_view(request, object_id, form_url, extra_context)
        # One save at a time per entry: the version compared is the version written over.
        with transaction.atomic():
            article = self._locked(request, object_id)
            if article is None:
                return super().changeform_view(request, object_id, form_url, extra_context)
            outcome = self._reconcile(request, article)
            return self._save_merged(request, outcome, object_id, form_url, extra_context)

    def _save_merged(self, request, outcome, object_id, form_url, extra_context):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if response.status_code == 302 and outcome.merged:
            editors = ", ".join(dict.fromkeys(name for name, _ in outcome.editors)) or "others"
            messages.info(
                request,
                f"Merged with what {editors} saved while you were editing: "
                f"{', '.join(dict.fromkeys(outcome.merged))}.",
            )
        return response

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Reverting is an edit like any other: from the version the entry had when the
        revert form was made, merged with anything saved since."""
        if request.method != "POST":
            article = self.get_object(request, unquote(object_id))
            if article is not None:
                request.edit_base = merge.token(merge.snapshot(article, self.edit_spec))
            return super().revision_view(request, object_id, version_id, extra_context)
        with transaction.atomic():
            article = self._locked(request, object_id)
            if article is None:
                return super().revision_view(request, object_id, version_id, extra_context)
            version = get_object_or_404(
                Version.objects.get_for_object(article).select_related("revision"),
                pk=version_id,
            )
            outcome = self._reconcile(request, article)
            saved = timezone.localtime(version.revision.date_created)
            request.revert_comment = (
                f"Reverted to the version saved on {saved:%Y-%m-%d %H:%M:%S %Z}"
            )
            if not outcome.changed_meanwhile:
                return super().revision_view(request, object_id, version_id, extra_context)
            # Changed since the revert form was made: not reverted over that change but
            # merged with it; the form, if it comes back, is a change of the entry as it is.
            request.revert_comment += ", merged with changes saved meanwhile"
            change_url = reverse(f"{self.admin_site.name}:articles_entry_change", args=[article.pk])
            with self.create_revision(request):
                return self._save_merged(request, outcome, object_id, change_url, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        request.edit_outcome = None  # a deleted entry: nobody can have saved it since
        return super().recover_view(request, version_id, extra_context)

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if comment := getattr(request, "revert_comment", None):
            set_comment(comment)
        return entry

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        outcome = getattr(request, "edit_outcome", None)
        if outcome is not None and (outcome.conflicts or outcome.notice):
            return form_with_conflicts(form, outcome)
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            form = context["adminform"].form
            if not form.is_bound:
                form.initial["edit_base"] = getattr(request, "edit_base", None) or merge.token(
                    merge.snapshot(obj, self.edit_spec)
                )
            page = secrets.token_hex(8)
            others = presence.arrive(obj, request.user, page)
            context.update(
                edit_outcome=getattr(request, "edit_outcome", None),
                editors_now=presence.described(others),
                presence_page=page,
                presence_seconds=HEARTBEAT_SECONDS,
                presence_url=reverse(
                    f"{self.admin_site.name}:articles_entry_editors", args=[obj.pk]
                ),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/editors/",
                self.admin_site.admin_view(require_POST(self.editors_view)),
                name="articles_entry_editors",
            ),
        ] + super().get_urls()

    def editors_view(self, request, pk):
        """The form's heartbeat (or, with leave=1, its goodbye): who else is editing."""
        article = self.get_object(request, str(pk))
        if article is None or not self.has_view_or_change_permission(request, article):
            return JsonResponse({"error": "Not found."}, status=404)
        page = request.POST.get("page", "")[:32]
        if request.POST.get("leave"):
            presence.leave(article, request.user, page)
            return JsonResponse({"editors": ""})
        return JsonResponse(
            {"editors": presence.described(presence.arrive(article, request.user, page))}
        )


def form_with_conflicts(form_class, outcome):
    """The admin form, with each conflict as an error on its field."""

    class ConflictForm(form_class):
        def clean(self):
            cleaned = super().clean()
            for clash in outcome.field_conflicts():
                if clash.field in self.fields:
                    self.add_error(clash.field, clash.message)
            if outcome.notice:
                self.add_error(None, outcome.notice)
            return cleaned

    ConflictForm.__name__ = form_class.__name__
    return ConflictForm


def formset_with_visible_errors(formset_class, outcome):
    """An inline formset whose rows show every error: conflicts on their row, and errors
    of hidden fields (a row that no longer exists), which the admin would not show."""

    class VisibleErrors(formset_class):
        def clean(self):
            super().clean()
            if outcome is not None:
                for clash in outcome.row_conflicts(self.prefix):
                    if clash.index is not None and clash.index < len(self.forms):
                        self.forms[clash.index].add_error(None, clash.message)
            for form in self.forms:
                hidden = [
                    str(error)
                    for bound in form.hidden_fields()
                    for error in form.errors.get(bound.name, ())
                ]
                if hidden and not form.non_field_errors():
                    form.add_error(
                        None,
                        "This row could not be matched with the stored entry (it may have "
                        "been changed or deleted meanwhile): " + " ".join(hidden),
                    )

    VisibleErrors.__name__ = formset_class.__name__
    return VisibleErrors
