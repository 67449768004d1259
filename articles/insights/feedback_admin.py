"""Readers' reports (a "No" with a reason) as editors' triage queue: open reports first;
take one (in progress, yours), resolve it, reopen it. Reports come from readers only.

A comment is what a reader typed: shown as text (escaped, line breaks kept), never
edited, never made a link. See docs/editing.md, "Reader reports"."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import display_for_value
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from ..models import Entry, FeedbackReport

Status = FeedbackReport.Status
EXCERPT = 80  # characters of a comment in the list
ENTRIES_LISTED = 50  # in the entry filter: those with the most open reports

# New, then in progress, then resolved; the newest first within each.
BY_STATUS = Case(
    When(status=Status.NEW, then=Value(0)),
    When(status=Status.IN_PROGRESS, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class StatusFilter(admin.SimpleListFilter):
    """Open reports (new or in progress) unless another choice is made."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "Open (new or in progress)"), *Status.choices, ("all", "All")]

    def value(self):
        return super().value() or "open"

    def choices(self, changelist):
        # Django's, less its own "All" (no choice made means "open" here).
        counts = self.get_facet_queryset(changelist) if changelist.add_facets else None
        for i, (lookup, title) in enumerate(self.lookup_choices):
            if counts is not None:
                title = f"{title} ({counts.get(f'{i}__c', '-')})"
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.still_open()
        if value in Status.values:
            return queryset.filter(status=value)
        if value == "all":
            return queryset
        raise IncorrectLookupParameters(f"Unknown status {value!r}")


class EntryFilter(admin.SimpleListFilter):
    """One entry's reports. Lists the entries with open reports (most first), never the
    whole glossary; ?entry=<id> (the link in an entry's form) works for any entry."""

    title = "entry"
    parameter_name = "entry"

    def lookups(self, request, model_admin):
        entries = (
            FeedbackReport.objects.still_open()
            .values_list("entry", "entry__title")
            .annotate(open_count=Count("pk"))
            .order_by("-open_count", "entry__title")[:ENTRIES_LISTED]
        )
        choices = [(str(pk), f"{title} ({count} open)") for pk, title, count in entries]
        chosen = self._chosen()
        if chosen is not None and str(chosen) not in {pk for pk, _ in choices}:
            title = Entry.objects.filter(pk=chosen).values_list("title", flat=True).first()
            choices.append((str(chosen), title or f"Entry {chosen} (deleted)"))
        return choices

    def _chosen(self):
        value = self.value()
        if value is None:
            return None
        if not value.isdigit() or len(value) > 18:
            raise IncorrectLookupParameters(f"Unknown entry {value!r}")
        return int(value)

    def queryset(self, request, queryset):
        chosen = self._chosen()
        return queryset if chosen is None else queryset.filter(entry_id=chosen)


@admin.register(FeedbackReport)
class FeedbackReportAdmin(admin.ModelAdmin):
    list_display = ("entry_link", "reason", "excerpt", "status", "handled_by", "received")
    list_display_links = ("reason",)
    list_filter = (StatusFilter, "reason", EntryFilter)
    list_select_related = ("entry", "handled_by")
    search_fields = ("comment", "entry__title")
    ordering = (BY_STATUS.asc(), "-created_at")
    actions = ("take", "resolve", "reopen")
    fields = (
        "entry_link", "reason", "received", "comment_shown",
        "status", "handled_by", "editor_note", "resolved_at", "updated_at",
    )  # fmt: skip
    readonly_fields = ("entry_link", "reason", "received", "comment_shown", "resolved_at",
                       "updated_at")  # fmt: skip

    def has_add_permission(self, request):
        return False  # reports come from readers

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "handled_by":  # editors, not every account
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # A report moved on from "new" without anyone named is the editor's who did it.
        if obj.status != Status.NEW and obj.handled_by_id is None:
            obj.handled_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="entry", ordering="entry__title")
    def entry_link(self, obj):
        url = reverse("admin:articles_entry_change", args=[obj.entry_id])
        return format_html('<a href="{}">{}</a>', url, obj.entry.title)

    @admin.display(description="comment")
    def excerpt(self, obj):
        if obj.comment_removed:
            return "(removed)"
        return Truncator(" ".join(obj.comment.split())).chars(EXCERPT)  # escaped by the admin

    @admin.display(description="comment")
    def comment_shown(self, obj):
        if obj.comment_removed:
            return f"(removed: comments are kept {settings.READER_DATA_DAYS} days)"
        if not obj.comment:
            return "(none)"
        # Escaped, line breaks kept; plain text, so no address in it becomes a link.
        return format_html('<div class="report-comment">{}</div>', linebreaksbr(obj.comment))

    @admin.display(description="received", ordering="created_at")
    def received(self, obj):
        return display_for_value(obj.created_at, "")  # as the admin shows its times

    def _done(self, request, count, what):
        reports = f"{count} report{'' if count == 1 else 's'}"
        self.message_user(request, f"{reports} {what}.", messages.SUCCESS)

    # update() skips save(): the actions set resolved_at and updated_at themselves.
    @admin.action(description="Take: mark in progress and assign to me", permissions=["change"])
    def take(self, request, queryset):
        count = queryset.update(
            status=Status.IN_PROGRESS,
            handled_by=request.user,
            resolved_at=None,
            updated_at=timezone.now(),
        )
        self._done(request, count, "taken: in progress, assigned to you")

    @admin.action(description="Mark resolved", permissions=["change"])
    def resolve(self, request, queryset):
        now = timezone.now()
        with transaction.atomic():
            chosen = queryset.exclude(status=Status.RESOLVED)
            chosen.filter(handled_by=None).update(handled_by=request.user)
            count = chosen.update(status=Status.RESOLVED, resolved_at=now, updated_at=now)
        self._done(request, count, "resolved")

    @admin.action(description="Reopen", permissions=["change"])
    def reopen(self, request, queryset):
        count = queryset.filter(status=Status.RESOLVED).update(
            status=Status.NEW, resolved_at=None, updated_at=timezone.now()
        )
        self._done(request, count, "reopened (new again)")
