"""Reader pages: home, the A–Z index, category pages, term pages and search results."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render

from .counting import is_reader_view, record_view
from .index import group_by_letter
from .models import Article, Category
from .search import popular, search, suggest

HOME_LIST_SIZE = 8
SEARCH_PAGE_SIZE = 20


def _categories_with_counts():
    published = Q(articles__in=Article.objects.published())
    return Category.objects.annotate(article_count=Count("articles", filter=published))


def home(request):
    published = Article.objects.published().select_related("category")
    context = {
        "categories": _categories_with_counts(),
        "most_viewed": published.order_by("-view_count", "title")[:HOME_LIST_SIZE],
        "recently_updated": published.order_by("-updated_at", "title")[:HOME_LIST_SIZE],
    }
    return render(request, "articles/home.html", context)


def term_index(request):
    articles = Article.objects.published().only("title", "slug")
    groups = group_by_letter(articles)
    context = {"groups": groups, "total": sum(len(items) for _, items in groups)}
    return render(request, "articles/article_index.html", context)


def category_detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    articles = Article.objects.published().filter(category=category)
    context = {"category": category, "articles": articles.only("title", "slug", "definition")}
    return render(request, "articles/category_detail.html", context)


def article_detail(request, slug):
    published = Article.objects.published()
    article = get_object_or_404(
        published.select_related("category").prefetch_related(
            "key_points",
            "quotes",
            Prefetch("related", queryset=published.only("title", "slug", "definition")),
        ),
        slug=slug,
    )
    if is_reader_view(request):
        record_view(article)
    return render(request, "articles/article_detail.html", {"article": article})


def search_results(request):
    results = search(request.GET.get("q", ""))
    page, hits = None, []
    if results.ids:
        paginator = Paginator(results.ids, SEARCH_PAGE_SIZE)
        try:
            page = paginator.page(request.GET.get("page") or 1)
        except PageNotAnInteger:
            page = paginator.page(1)
        except EmptyPage:
            raise Http404("There is no such page of results.") from None
        hits = results.hits(page.object_list)
    context = {
        "query": results.query,
        "results": results,
        "page": page,
        "hits": hits,
        "popular": popular() if not results.ids else None,
    }
    return render(request, "articles/search_results.html", context)


def search_suggestions(request):
    query, results = suggest(request.GET.get("q", ""))
    response = JsonResponse({"query": query, "results": results})
    response["Cache-Control"] = "public, max-age=60"
    return response
