"""Reader pages: home, the A–Z index, category pages, term pages, search results and help."""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from . import (
    conditional,
    entry_parts,
    feedback,
    language,
    linking,
    metadata,
    page_cache,
    reading,
)
from .counting import is_reader_view, record_view
from .index import LETTERS, group_by_letter, in_index_order
from .models import Article, Category, RemovedArticle
from .search import popular, search, suggest

HOME_LIST_SIZE = 8
INDEX_ONE_PAGE = 2000  # entries listed on one A–Z page; beyond, a page per letter
INDEX_PAGE_SIZE = 500
SEARCH_PAGE_SIZE = 20


def _categories_with_counts():
    published = Q(articles__in=Article.objects.published())
    return Category.objects.annotate(article_count=Count("articles", filter=published))


@require_safe
def home(request):
    # Cached under the glossary's version; "most viewed" may lag a minute (the cache's
    # lifetime). No ETag: the lists of most viewed change with every read.
    version = conditional.for_list()
    if cached := page_cache.get(request, version):
        return conditional.finish(request, cached, max_age=conditional.LIST_MAX_AGE)
    published = Article.objects.published().select_related("category")
    context = {
        "categories": _categories_with_counts(),
        "most_viewed": published.order_by("-view_count", "title")[:HOME_LIST_SIZE],
        "recently_updated": published.order_by("-updated_at", "title")[:HOME_LIST_SIZE],
        "meta": metadata.for_home(),
    }
    response = page_cache.put(request, version, render(request, "articles/home.html", context))
    return conditional.finish(request, response, max_age=conditional.LIST_MAX_AGE)


@require_safe
def term_index(request):
    """Every public entry by letter: on one page while the glossary is small, then one
    page per letter (paginated), so that a page never lists the whole of a large glossary."""
    validators = conditional.for_list()
    if not_modified := conditional.not_modified(request, validators):
        return conditional.finish(request, not_modified, validators)
    if cached := page_cache.get(request, validators):
        return conditional.finish(request, cached, validators, max_age=conditional.LIST_MAX_AGE)
    published = Article.objects.published()
    counts = dict(published.values_list("initial").annotate(n=Count("pk")).order_by())
    total = sum(counts.values())
    context = {"total": total, "counts": [(letter, counts.get(letter, 0)) for letter in LETTERS]}
    if total <= INDEX_ONE_PAGE:
        entries = in_index_order(published.only("title", "slug", "initial"))
        context["groups"] = group_by_letter(entries)
        path = reverse("articles:index")
    elif (letter := request.GET.get("letter", "").upper()) not in LETTERS:
        path = reverse("articles:index")  # the letters, with how many terms each has
    else:
        entries = in_index_order(published.filter(initial=letter).only("title", "slug"))
        try:
            page = Paginator(entries, INDEX_PAGE_SIZE).page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage):
            raise Http404("There is no such page of the index.") from None
        context |= {"letter": letter, "page": page}
        query = {"letter": letter} | ({"page": page.number} if page.number > 1 else {})
        path = f"{reverse('articles:index')}?{urlencode(query)}"
    context["meta"] = metadata.for_index(total, path)
    response = render(request, "articles/article_index.html", context)
    page_cache.put(request, validators, response)
    return conditional.finish(request, response, validators, max_age=conditional.LIST_MAX_AGE)


@require_safe
def category_detail(request, slug):
    # (Another spelling, /categories/Care/, 404s here and LowercasePathMiddleware
    # redirects it.)
    category = get_object_or_404(Category, slug=slug)
    validators = conditional.for_list(category)
    if not_modified := conditional.not_modified(request, validators):
        return conditional.finish(request, not_modified, validators)
    if cached := page_cache.get(request, validators):
        return conditional.finish(request, cached, validators, max_age=conditional.LIST_MAX_AGE)
    articles = Article.objects.published().filter(category=category)
    context = {
        "category": category,
        "articles": articles.only("title", "slug", "definition"),
        "meta": metadata.for_category(category),
    }
    response = page_cache.put(
        request, validators, render(request, "articles/category_detail.html", context)
    )
    return conditional.finish(request, response, validators, max_age=conditional.LIST_MAX_AGE)


@require_safe
def article_detail(request, slug):
    article = entry_parts.published_entry(slug)
    if article is None:
        return _moved_or_gone(request, slug)
    if is_reader_view(request):
        record_view(article)  # a revalidated (304) or cached read is a read too
    parts = entry_parts.load(article)
    answered = article.pk in feedback.answered(request)
    # Cross-links change with other entries (the names' version), and the feedback form
    # with the reader's answer: both are part of the page's validators.
    names = linking.names_version()
    validators = conditional.for_article(article, parts.related, names, answered)
    if not_modified := conditional.not_modified(request, validators):
        return conditional.finish(request, not_modified, validators)
    if cached := page_cache.get(request, validators):
        cached.counted_article_id = article.pk  # a shared copy's reads count (middleware.py)
        return conditional.finish(request, cached, validators)
    context = term_context(article, parts) | {
        "answered": answered,
        "said": language.said_on(article, request.GET.get("said", "")),
        "thanked": request.GET.get("feedback") == "thanks",
    }
    response = page_cache.put(
        request, validators, render(request, "articles/article_detail.html", context)
    )
    response.counted_article_id = article.pk
    return conditional.finish(request, response, validators)


def term_context(article, parts):
    """What the term page template needs about an entry and its parts
    (entry_parts.load()); also the admin's preview."""
    key_points = [point.text for point in parts.key_points]
    definition_html, body_html = linking.link_entry(article)
    return {
        "article": article,
        "parts": parts,
        "meta": metadata.for_article(article),
        "definition_html": definition_html,
        "body_html": body_html,
        "contents": reading.table_of_contents(article.body_html),
        "reading_minutes": reading.reading_minutes(
            article.definition, article.tldr, *key_points, article.body_html
        ),
    }


@csrf_exempt  # no token in the form: feedback.from_this_site() refuses forged answers
@require_POST
def article_feedback(request, slug):
    """The "Was this helpful?" form: count, then back to the entry."""
    if not feedback.from_this_site(request):
        raise PermissionDenied("Answers are only accepted from this site's pages.")
    article = Article.objects.published().filter(slug=slug).only("pk", "slug").first()
    if article is None:
        raise Http404("No such entry.")
    answer = request.POST.get("helpful")
    if answer not in {"yes", "no"}:
        return HttpResponseBadRequest("Answer “yes” or “no”.")
    response = HttpResponseRedirect(f"{article.get_absolute_url()}?feedback=thanks#feedback")
    response.status_code = 303  # see the entry again, with a GET
    feedback.record(request, response, article, helpful=answer == "yes")
    return response


@require_safe
def help_page(request):
    """ "Need help now?": crisis lines with tap-to-call and tap-to-text links."""
    lines = [
        {
            **line,
            "call_uri": "tel:" + re.sub(r"[^0-9+]", "", line.get("call", "")),
            "text_uri": "sms:" + re.sub(r"[^0-9+]", "", line.get("text", "")),
        }
        for line in settings.CRISIS_LINES
    ]
    context = {"lines": lines, "meta": metadata.for_help()}
    response = render(request, "articles/help.html", context)
    return conditional.finish(request, response, max_age=conditional.LIST_MAX_AGE)


@require_safe
def article_preview(request, slug):
    """A public entry's title and definition, for the previews of links to it."""
    article = (
        Article.objects.published().filter(slug=slug).only("title", "slug", "definition").first()
    )
    if article is None:
        raise Http404("No such entry.")
    response = JsonResponse(
        {
            "title": article.title,
            "definition": article.definition,
            "url": article.get_absolute_url(),
        }
    )
    return conditional.finish(request, response, max_age=conditional.LIST_MAX_AGE)


def _moved(request, path):
    """301 to the canonical address, keeping the query string (campaign tags and all)."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def _moved_or_gone(request, slug):
    """An address that is not a public entry's: 301 to where the entry lives now (another
    spelling of its slug, or one of its old slugs), 410 if it was deleted, else 404."""
    slug = slug.lower()
    current = (
        Article.objects.published().filter(slug=slug).values_list("slug", flat=True).first()
        or Article.objects.published()
        .filter(old_slugs__old_slug=slug)
        .values_list("slug", flat=True)
        .first()
    )
    if current:
        return _moved(request, reverse("articles:detail", args=[current]))
    if preferred := language.preferred_for_slug(slug):
        url = reverse("articles:detail", args=[preferred.slug])
        return HttpResponseRedirect(f"{url}?{urlencode({'said': slug.replace('-', ' ')})}")
    removed = RemovedArticle.objects.filter(slug=slug).first()
    if removed is None:
        raise Http404("No such entry.")
    context = {"removed": removed, "meta": metadata.for_error("Entry removed")}
    return render(request, "articles/article_removed.html", context, status=410)


@require_safe
def search_results(request):
    # Results change with any entry's content, like the lists.
    version = conditional.for_list()
    if cached := page_cache.get(request, version):
        return cached
    results = search(request.GET.get("q", ""))
    preferred = language.preferred_for(results.query)
    if preferred is not None:  # the preferred entry first, with its note
        results.ids = [preferred.pk] + [pk for pk in results.ids if pk != preferred.pk]
        results.correction = ""
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
        "meta": metadata.for_search(results.query, page),
        "preferred": preferred,
    }
    return page_cache.put(
        request, version, render(request, "articles/search_results.html", context)
    )


@require_safe
def search_suggestions(request):
    query, results = suggest(request.GET.get("q", ""))
    response = JsonResponse({"query": query, "results": results})
    response["Cache-Control"] = "public, max-age=60"
    return response
