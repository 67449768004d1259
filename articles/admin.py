from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from reversion.admin import VersionAdmin

from . import entry_parts, quality
from .models import (
    Article,
    Category,
    ExpertQuote,
    KeyPoint,
    RemovedArticle,
    SlugRedirect,
    Source,
)
from .rendering import render_markdown
from .views import term_context


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    fields = ("text", "order")
    extra = 1
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 90})}}


class ExpertQuoteInline(admin.StackedInline):
    model = ExpertQuote
    fields = ("text", "kind", "attribution", "order")
    extra = 0


class SourceInline(admin.TabularInline):
    model = Source
    fields = ("title", "publisher", "url", "accessed", "order")
    extra = 1
    # An address typed without a scheme is taken as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class OldSlugInline(admin.TabularInline):
    """Earlier addresses of the entry, which redirect to it; delete one to free it."""

    model = SlugRedirect
    fields = ("old_slug", "created_at")
    readonly_fields = ("old_slug", "created_at")
    extra = 0
    verbose_name = "old address (redirects here)"
    verbose_name_plural = "old addresses (redirect here)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RemovedArticle)
class RemovedArticleAdmin(admin.ModelAdmin):
    """Addresses of deleted entries (they answer 410 Gone); delete one to make it 404."""

    list_display = ("title", "slug", "category", "removed_at")
    list_filter = ("category",)
    search_fields = ("title", "slug")
    readonly_fields = ("title", "slug", "category", "removed_at")

    def has_add_permission(self, request):
        return False


@admin.register(Category)
class CategoryAdmin(VersionAdmin):
    list_display = ("name", "slug", "order", "entry_count")
    list_editable = ("order",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("articles"))

    @admin.display(description="entries", ordering="entry_count")
    def entry_count(self, obj):
        return obj.entry_count


class ReviewDueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Due (never, or too long ago)"), ("current", "Current")]

    def queryset(self, request, queryset):
        due = Q(reviewed_at__isnull=True) | Q(reviewed_at__lt=quality.review_due_before())
        if self.value() == "due":
            return queryset.filter(due)
        if self.value() == "current":
            return queryset.exclude(due)
        return queryset


class ContentHealthFilter(admin.SimpleListFilter):
    title = "content health"
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [("warnings", "Has warnings"), ("ok", "No warnings")]

    def queryset(self, request, queryset):
        if self.value() == "warnings":
            return queryset.exclude(content_warnings="")
        if self.value() == "ok":
            return queryset.filter(content_warnings="")
        return queryset


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    """Every save and delete is kept as a revision (django-reversion) with its author:
    "History" compares and restores earlier versions, "Recover deleted entries" brings a
    deleted entry back with its key points and quotes.

    The body has a live preview (the public page's renderer, through a staff-only
    endpoint); "Preview" shows a draft or scheduled entry as readers will see it."""

    list_display = (
        "title", "category", "status", "publication", "reviewed_at", "health",
        "view_count", "helpful_yes", "helpful_no", "updated_at",
    )  # fmt: skip
    list_filter = ("status", ReviewDueFilter, ContentHealthFilter, "category")
    list_select_related = ("category",)
    search_fields = ("title", "aliases", "definition")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("category", "related")
    readonly_fields = (
        "content_health", "view_count", "helpful_yes", "helpful_no", "created_at", "updated_at",
        "preview_link",
    )  # fmt: skip
    date_hierarchy = "updated_at"
    inlines = (KeyPointInline, ExpertQuoteInline, SourceInline, OldSlugInline)
    actions = ("publish", "unpublish")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4})}}

    class Media:
        css = {"all": ["css/admin-preview.css"]}
        js = ["js/admin-preview.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            # Room to write: a body is several hundred words of Markdown.
            kwargs["widget"] = forms.Textarea(
                attrs={
                    "rows": 24,
                    "class": "vLargeTextField",
                    "data-preview-url": reverse("admin:articles_article_render"),
                }
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "aliases")}),
        ("Summary", {"fields": ("definition", "tldr")}),
        ("Person-first language", {"fields": ("stigmatizing_terms", "language_note")}),
        ("Body", {"fields": ("body",)}),
        ("Related terms", {"fields": ("related",)}),
        ("Medical review", {"fields": ("reviewed_by", "reviewed_at")}),
        ("Publishing", {"fields": ("status", "published_at", "preview_link")}),
        ("Content health", {"fields": ("content_health",)}),
        (
            "Statistics",
            {"fields": ("view_count", "helpful_yes", "helpful_no", "created_at", "updated_at")},
        ),
    )

    def get_urls(self):
        urls = [
            path(
                "render-markdown/",
                self.admin_site.admin_view(require_POST(self.render_view)),
                name="articles_article_render",
            ),
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="articles_article_preview",
            ),
        ]
        return urls + super().get_urls()

    def render_view(self, request):
        """Markdown → the HTML the public page would show (staff only, CSRF-checked)."""
        if not self.has_change_permission(request) and not self.has_add_permission(request):
            return JsonResponse({"error": "Not allowed."}, status=403)
        return JsonResponse({"html": render_markdown(request.POST.get("body", ""))})

    def preview_view(self, request, pk):
        """The term page for any entry, drafts included: staff only, never cached,
        never counted, noindex."""
        if not self.has_view_or_change_permission(request):
            return JsonResponse({"error": "Not allowed."}, status=403)
        article = get_object_or_404(Article.objects.select_related("category"), pk=pk)
        parts = entry_parts.load(article)
        context = term_context(article, parts) | {"preview": True}
        context["meta"].indexable = False
        response = TemplateResponse(request, "articles/article_detail.html", context)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    @admin.display(description="preview")
    def preview_link(self, obj):
        if not obj.pk:
            return "Save the entry first."
        url = reverse("admin:articles_article_preview", args=[obj.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">Preview as readers will see it</a>', url
        )

    @admin.display(description="publication", ordering="published_at")
    def publication(self, obj):
        if obj.status != Article.Status.PUBLISHED:
            return "Draft"
        if obj.published_at > timezone.now():
            return f"Scheduled: {timezone.localtime(obj.published_at):%Y-%m-%d %H:%M}"
        return "Public"

    @admin.display(description="health", ordering="content_warnings")
    def health(self, obj):
        count = len(obj.content_warnings.splitlines())
        return "OK" if not count else f"{count} warning{'s' if count != 1 else ''}"

    @admin.display(description="warnings")
    def content_health(self, obj):
        if not obj.pk:
            return "Checked when the entry is saved."
        items = obj.content_warnings.splitlines()
        if not items:
            return "No warnings."
        return format_html(
            '<ul class="content-warnings">{}</ul>',
            format_html("".join("<li>{}</li>" for _ in items), *items),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Key points, sources and related entries are saved now: check the whole entry.
        quality.refresh(form.instance)

    @admin.action(description="Publish the selected entries (now, or at their scheduled time)")
    def publish(self, request, queryset):
        count = 0
        with transaction.atomic():  # all or none
            for article in queryset.exclude(status=Article.Status.PUBLISHED):
                article.status = Article.Status.PUBLISHED
                article.save()  # signals: search index, addresses
                count += 1
        self.message_user(
            request, f"Published {count} entr{'y' if count == 1 else 'ies'}.", messages.SUCCESS
        )

    @admin.action(description="Unpublish the selected entries (back to draft)")
    def unpublish(self, request, queryset):
        count = 0
        with transaction.atomic():
            for article in queryset.filter(status=Article.Status.PUBLISHED):
                article.status = Article.Status.DRAFT
                article.save()
                count += 1
        self.message_user(
            request, f"Unpublished {count} entr{'y' if count == 1 else 'ies'}.", messages.SUCCESS
        )
