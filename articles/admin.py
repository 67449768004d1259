from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count
from reversion.admin import VersionAdmin

from .models import Article, Category, ExpertQuote, KeyPoint, RemovedArticle, SlugRedirect


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    fields = ("text", "order")
    extra = 1
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 90})}}


class ExpertQuoteInline(admin.StackedInline):
    model = ExpertQuote
    fields = ("text", "attribution", "order")
    extra = 0


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


@admin.register(Article)
class ArticleAdmin(VersionAdmin):
    """Every save and delete is kept as a revision (django-reversion) with its author:
    "History" compares and restores earlier versions, "Recover deleted entries" brings a
    deleted entry back with its key points and quotes."""

    list_display = (
        "title", "category", "status", "view_count", "helpful_yes", "helpful_no", "updated_at"
    )  # fmt: skip
    list_filter = ("status", "category")
    list_select_related = ("category",)
    search_fields = ("title", "aliases", "definition")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("category", "related")
    readonly_fields = ("view_count", "helpful_yes", "helpful_no", "created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = (KeyPointInline, ExpertQuoteInline, OldSlugInline)
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4})}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            # Room to write: a body is several hundred words of Markdown.
            kwargs["widget"] = forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "aliases")}),
        ("Summary", {"fields": ("definition", "tldr")}),
        ("Person-first language", {"fields": ("stigmatizing_terms", "language_note")}),
        ("Body", {"fields": ("body",)}),
        ("Related terms", {"fields": ("related",)}),
        ("Publishing", {"fields": ("status", "published_at")}),
        (
            "Statistics",
            {"fields": ("view_count", "helpful_yes", "helpful_no", "created_at", "updated_at")},
        ),
    )
