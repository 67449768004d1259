from csp.constants import SELF
from csp.decorators import csp_replace, csp_update
from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods
from reversion.admin import VersionAdmin

from .content import link_check, quality, wording
from .editing import form_layout, time_zones, wording_marks
from .editing.admin import EntryForm, ProtectedEdits, VisibleRowErrors
from .editing.inline_rows import LabelledRows
from .editing.preview import from_form as entry_from_form
from .history.admin import CompareVersionsMixin
from .insights import charts, trends
from .models import (
    Category,
    Entry,
    ExpertQuote,
    KeyPoint,
    RemovedEntry,
    SlugRedirect,
    Source,
    WordToAvoid,
)
from .pages import entry_parts
from .pages.entry_page import entry_context
from .read_only_admin import ReadOnlyAdmin


class KeyPointInline(LabelledRows, VisibleRowErrors, admin.TabularInline):
    model = KeyPoint
    fields = ("text", "order")
    extra = 1
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 90})}}


class ExpertQuoteInline(VisibleRowErrors, admin.StackedInline):
    model = ExpertQuote
    fk_name = "article"
    fields = ("text", "kind", "attribution", "from_entry", "order")
    autocomplete_fields = ("from_entry",)
    extra = 0


class SourceInline(LabelledRows, VisibleRowErrors, admin.TabularInline):
    model = Source
    fields = ("title", "publisher", "year", "url", "accessed", "order", "link_check")
    # Shown, not edited (the edit merge leaves read-only fields out of a row).
    readonly_fields = ("link_check",)
    extra = 1
    # An address typed without a scheme is taken as https://; a plain box (not the admin's
    # "Currently: <link> Change:" widget) so that the row fits beside the others.
    formfield_overrides = {models.URLField: {"assume_scheme": "https", "widget": forms.URLInput}}

    @admin.display(description="link check")
    def link_check(self, obj):
        return link_check_shown(obj)


LINK_CHECK_SHORT = {
    Source.Check.OK: "Works",
    Source.Check.MOVED: "Moved",
    Source.Check.BROKEN: "Broken",
    Source.Check.ERROR: "Error",
    Source.Check.UNREACHABLE: "Unreachable",
}


def link_check_shown(source):
    """What `manage.py check_sources` last found, in a few words ("Broken (404) · 3 Dec"),
    the detail on hover and, for a moved page, a link to its new address."""
    if not source.check_result:
        return "Not checked yet" if source.url else ""
    code = link_check.answer_code(source.check_detail)
    said = LINK_CHECK_SHORT.get(source.check_result, source.check_result)
    if code and source.check_result != Source.Check.OK:
        said += f" ({code})"
    if source.checked_at:
        day = timezone.localtime(source.checked_at)
        said += f" · {day.day} {day:%b}"
        if day.year != timezone.localdate().year:
            said += f" {day.year}"
    shown = format_html('<span title="{}">{}</span>', source.check_detail, said)
    target = link_check.moved_to(source.check_detail)
    if source.check_result == Source.Check.MOVED and target:
        shown = format_html('{}<br><a href="{}" rel="noreferrer">new address</a>', shown, target)
    return shown


class OldSlugInline(LabelledRows, VisibleRowErrors, admin.TabularInline):
    """Earlier addresses of the entry, which redirect to it; delete one to free it."""

    model = SlugRedirect
    fields = ("old_slug", "created_at")
    readonly_fields = ("old_slug", "created_at")
    extra = 0
    verbose_name = "old address (redirects here)"
    verbose_name_plural = "old addresses (redirect here)"

    def has_add_permission(self, request, obj=None):
        return False


class LinkCheckFilter(admin.SimpleListFilter):
    title = "link check"
    parameter_name = "check"

    def lookups(self, request, model_admin):
        return [
            ("look", "Needs a look (not working)"),
            *Source.Check.choices,
            ("never", "Not checked yet"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "look":
            return queryset.exclude(check_result__in=("", Source.Check.OK))
        if self.value() == "never":
            return queryset.filter(check_result="")
        if self.value():
            return queryset.filter(check_result=self.value())
        return queryset


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    """Every entry's sources in one list, with what the link check (`manage.py
    check_sources`) found. Read-only: a source is changed in its entry's form, where the
    change is merged with other editors', kept in History and counted in content health."""

    # The link check's column says when, too ("Broken (404) · 3 Dec"): the list fits 1280 px.
    list_display = ("title", "publisher", "year", "address", "entry", "link_check")
    list_filter = (LinkCheckFilter, "publisher")
    list_select_related = ("article",)
    search_fields = ("title", "publisher", "url", "article__title")
    ordering = ("article__title", "order", "id")
    fields = (
        "entry", "title", "publisher", "year", "url", "accessed", "order",
        "check_result", "check_detail", "checked_at",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description="URL", ordering="url")
    def address(self, obj):
        if not obj.url:
            return ""
        shown = obj.url if len(obj.url) <= 40 else obj.url[:39] + "…"
        return format_html('<a href="{}" rel="noreferrer">{}</a>', obj.url, shown)

    @admin.display(description="entry", ordering="article__title")
    def entry(self, obj):
        url = reverse("admin:articles_entry_change", args=[obj.article_id])
        return format_html('<a href="{}#sources-group">{}</a>', url, obj.article.title)

    @admin.display(description="link check", ordering="check_result")
    def link_check(self, obj):
        return link_check_shown(obj)


@admin.register(RemovedEntry)
class RemovedEntryAdmin(admin.ModelAdmin):
    """Addresses of deleted entries (they answer 410 Gone); delete one to make it 404."""

    list_display = ("title", "slug", "category", "removed_at")
    list_filter = ("category",)
    search_fields = ("title", "slug")
    readonly_fields = ("title", "slug", "category", "removed_at")

    def has_add_permission(self, request):
        return False


@admin.register(Category)
class CategoryAdmin(CompareVersionsMixin, VersionAdmin):
    list_display = ("name", "slug", "order", "entry_count")
    list_editable = ("order",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(description="entries", ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count


class ReviewDueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Due (never, or too long ago)"), ("current", "Current")]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.review_due()
        if self.value() == "current":
            return queryset.exclude(pk__in=Entry.objects.review_due().values("pk"))
        return queryset


class ContentHealthFilter(admin.SimpleListFilter):
    title = "content health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [
            ("warnings", "Has warnings"), ("wording", "Wording to check"), ("ok", "No warnings"),
        ]  # fmt: skip

    def queryset(self, request, queryset):
        if self.value() == "warnings":
            return queryset.exclude(content_warnings="")
        if self.value() == "wording":
            return queryset.filter(content_warnings__contains=wording.WARNING)
        if self.value() == "ok":
            return queryset.filter(content_warnings="")
        return queryset


ENTRY_CHART_DAYS = 30  # the entry form's chart of views


class EntryAdminForm(EntryForm):
    def clean(self):
        cleaned = super().clean()
        # Said on the field, before the database's constraint would refuse the save.
        if cleaned.get("kept_wording") and not cleaned.get("kept_wording_reason"):
            if "kept_wording_reason" in self.fields and "kept_wording_reason" not in self.errors:
                self.add_error(
                    "kept_wording_reason",
                    "Say why the wording is kept on purpose, e.g. “verbatim quote”.",
                )
        return cleaned


class WordToAvoidForm(forms.ModelForm):
    class Meta:
        model = WordToAvoid
        fields = ("word", "alternatives", "why", "kept_in")
        help_texts = {
            "word": "A word or phrase, e.g. “addict” or “drug abuse”; its plurals and "
            "possessives (addicts, addict’s) are found too, in any case.",
        }


@admin.register(WordToAvoid)
class WordToAvoidAdmin(admin.ModelAdmin):
    """The stigma check's words (articles/content/wording.py). Saving or deleting one
    checks again the content health of the entries that use it or were warned about it."""

    form = WordToAvoidForm
    list_display = ("word", "alternatives", "fine_inside")
    search_fields = ("word", "alternatives", "why", "kept_in")
    fields = ("word", "alternatives", "why", "kept_in")

    @admin.display(description="fine inside")
    def fine_inside(self, obj):
        return "; ".join(line.strip() for line in obj.kept_in.splitlines() if line.strip())

    def delete_queryset(self, request, queryset):
        with quality.batch():  # the entries concerned are checked once, at the end
            super().delete_queryset(request, queryset)


@admin.register(Entry)
class EntryAdmin(ProtectedEdits, CompareVersionsMixin, VersionAdmin):
    """Every save and delete is kept as a revision (django-reversion) with its author:
    "History" compares and restores earlier versions, "Recover deleted entries" brings a
    deleted entry back with its key points and quotes.

    The form follows the page it makes; beside the body, the whole entry as readers would
    see it, made from the form's unsaved values by the page's own templates
    (form_preview_view). "Preview" shows a saved draft or scheduled entry's page.

    The list's columns fit a laptop's screen; "helpful" answers are in the form."""

    form = EntryAdminForm
    list_display = (
        "title", "category", "publication", "health", "reviewed_at", "view_count", "updated_at",
    )  # fmt: skip
    list_filter = ("status", ReviewDueFilter, ContentHealthFilter, "category")
    list_select_related = ("category",)
    search_fields = ("title", "aliases", "definition")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("category", "related")
    readonly_fields = (
        "view_count", "views_chart", "helpful_yes", "helpful_no", "created_at", "updated_at",
        "preview_link",
    )  # fmt: skip
    date_hierarchy = "updated_at"
    inlines = (KeyPointInline, ExpertQuoteInline, SourceInline, OldSlugInline)
    actions = ("publish", "unpublish")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4})}}
    # History compares versions (articles/history/): the rows shown, and statistics left out.
    compare_parts = ("key_points", "quotes", "sources")
    compare_exclude = ("view_count",)

    class Media:
        css = {"all": ["css/admin-entries.css", "css/admin-preview.css", "css/admin-charts.css"]}
        js = ["js/admin-preview.js", "js/admin-combobox-names.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            # Room to write: a body is several hundred words of Markdown.
            kwargs["widget"] = forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"})
        if db_field.name == "published_at":
            # The time typed is in the site's zone: say which.
            kwargs["help_text"] = f"{db_field.help_text} Times are in {time_zones.described()}."
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "published_at":
            # Django's "Date:" and "Time:" are text beside the boxes, not their labels.
            date, time = field.widget.widgets
            date.attrs["aria-label"], time.attrs["aria-label"] = "Publication date", "Time"
        return field

    # In the order of the page the entry makes, the rest after it.
    fieldsets = (
        (None, {"fields": (("title", "slug"), "category", "aliases")}),
        ("Summary", {"fields": ("definition", "tldr")}),
        ("Body", {"fields": ("body",)}),
        ("Related entries", {"fields": ("related",)}),
        ("Medical review", {"fields": ("reviewed_by", "reviewed_at", "review_every_months")}),
        (
            "Person-first language",
            {
                "fields": (
                    "stigmatizing_terms",
                    "language_note",
                    "kept_wording",
                    "kept_wording_reason",
                )
            },
        ),
        ("Publishing", {"fields": ("status", "published_at", "preview_link")}),
        (
            "Statistics",
            {
                "fields": (
                    "view_count",
                    "views_chart",
                    "helpful_yes",
                    "helpful_no",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    # Inlines (by formset prefix) shown after a fieldset rather than after them all
    # (templates/admin/articles/entry/change_form.html).
    inlines_after = {
        "Summary": ("key_points", "quotes"),
        "Related entries": ("sources",),
        "Publishing": ("old_slugs",),
    }

    def get_urls(self):
        # The form's preview is a frame of the admin's own pages (and only of those).
        form_preview = self.admin_site.admin_view(
            require_http_methods(["GET", "POST"])(
                xframe_options_sameorigin(
                    csp_replace({"frame-ancestors": [SELF]})(self.form_preview_view)
                )
            )
        )
        urls = [
            path("form-preview/", form_preview, name="articles_entry_form_preview"),
            path("<int:pk>/form-preview/", form_preview, name="articles_entry_form_preview"),
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_entry_preview",
            ),
        ]
        return urls + super().get_urls()

    @csp_update({"frame-src": [SELF]})  # the form's preview (form_preview_view)
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["form_sections"] = form_layout.sections(
            context["adminform"], context["inline_admin_formsets"], self.inlines_after
        )
        editable = (
            self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        )
        if editable:
            context["form_preview_url"] = reverse(
                f"{self.admin_site.name}:articles_entry_form_preview",
                args=[obj.pk] if obj is not None and obj.pk else [],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def form_preview_view(self, request, pk=None):
        """The entry as its change form would save it (POST: the form's fields), in the
        page's own templates; GET: the empty frame that admin-preview.js fills. Staff
        only, CSRF-checked, never cached, noindex; nothing is saved."""
        stored = self.get_object(request, str(pk)) if pk is not None else None
        if stored is not None:
            allowed = self.has_change_permission(request, stored)
        else:  # a new entry, or one deleted meanwhile
            allowed = self.has_add_permission(request)
        if not allowed:
            return JsonResponse({"error": "Not allowed."}, status=403)
        context = {"entry": None}
        if request.method == "POST":
            article, parts = entry_from_form(request.POST, stored)
            context = entry_context(article, parts) | {"preview": True}
        response = TemplateResponse(request, "articles/entry_preview.html", context)
        if request.method == "POST":  # words to avoid marked: in this preview only
            response.add_post_render_callback(wording_marks.marking(article))
        response["X-Robots-Tag"] = "noindex"
        return response

    def preview_view(self, request, pk):
        """The term page for any entry, drafts included: staff only, never cached,
        never counted, noindex."""
        if not self.has_view_or_change_permission(request):
            return JsonResponse({"error": "Not allowed."}, status=403)
        article = get_object_or_404(Entry.objects.select_related("category"), pk=pk)
        parts = entry_parts.load(article)
        context = entry_context(article, parts) | {"preview": True}
        context["meta"].indexable = False
        response = TemplateResponse(request, "articles/entry_detail.html", context)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    @admin.display(description="preview")
    def preview_link(self, obj):
        if not obj.pk:
            return "Once the entry is saved. Until then: “Preview changes in a new tab”, below."
        url = reverse("admin:articles_entry_preview", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview as readers will see it</a>', url
        )

    @admin.display(description=f"views, last {ENTRY_CHART_DAYS} days")
    def views_chart(self, obj):
        if not obj.pk:
            return "None yet."
        # One query: the entry's rows of the period (articles/insights/trends.py).
        days = trends.daily_views(obj, ENTRY_CHART_DAYS)
        return charts.bar_chart(days, f"Views per day, last {ENTRY_CHART_DAYS} days")

    @admin.display(description="status", ordering="published_at")
    def publication(self, obj):
        if obj.status != Entry.Status.PUBLISHED:
            return "Draft"
        if obj.published_at > timezone.now():
            return f"Scheduled: {time_zones.shown(obj.published_at)}"
        return "Public"

    @admin.display(description="health", ordering="content_warnings")
    def health(self, obj):
        count = len(obj.content_warnings.splitlines())
        return "OK" if not count else f"{count} warning{'s' if count != 1 else ''}"

    def save_related(self, request, form, formsets, change):
        # Entries related or unrelated here, and this one, are re-checked once, at the end.
        with quality.batch() as changes:
            super().save_related(request, form, formsets, change)
            # Key points, sources and related entries are saved now: check the whole entry.
            changes.entries.add(form.instance.pk)

    @admin.action(description="Publish the selected entries (now, or at their scheduled time)")
    def publish(self, request, queryset):
        count = 0
        with transaction.atomic(), quality.batch():  # all or none; links re-checked once
            for article in queryset.exclude(status=Entry.Status.PUBLISHED):
                article.status = Entry.Status.PUBLISHED
                article.save()  # signals: search index, addresses
                count += 1
        self.message_user(
            request, f"Published {count} entr{'y' if count == 1 else 'ies'}.", messages.SUCCESS
        )

    @admin.action(description="Unpublish the selected entries (back to draft)")
    def unpublish(self, request, queryset):
        count = 0
        with transaction.atomic(), quality.batch():
            for article in queryset.filter(status=Entry.Status.PUBLISHED):
                article.status = Entry.Status.DRAFT
                article.save()
                count += 1
        self.message_user(
            request, f"Unpublished {count} entr{'y' if count == 1 else 'ies'}.", messages.SUCCESS
        )


# What readers tell editors: the reports' triage queue, the searches' reports and the
# Trends page, each registering its admin.
from .insights import feedback_admin, search_admin, trends_admin  # noqa: E402, F401
