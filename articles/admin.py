from django.contrib import admin
from django.db.models import Count

from .models import Article, Category, ExpertQuote, KeyPoint


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    fields = ("text", "order")
    extra = 1


class ExpertQuoteInline(admin.StackedInline):
    model = ExpertQuote
    fields = ("text", "attribution", "order")
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
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
class ArticleAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "status", "view_count", "updated_at")
    list_filter = ("status", "category")
    list_select_related = ("category",)
    search_fields = ("title", "aliases", "definition")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("category", "related")
    readonly_fields = ("view_count", "created_at", "updated_at")
    date_hierarchy = "updated_at"
    inlines = (KeyPointInline, ExpertQuoteInline)
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "aliases")}),
        ("Summary", {"fields": ("definition", "tldr")}),
        ("Body", {"fields": ("body",)}),
        ("Related terms", {"fields": ("related",)}),
        ("Publishing", {"fields": ("status", "published_at")}),
        ("Statistics", {"fields": ("view_count", "created_at", "updated_at")}),
    )
