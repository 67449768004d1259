"""Reader pages: home, the A–Z index, category pages, entry pages, search results, help
and privacy.

Each returns a Page (delivery/pages.py: what the page depends on and how to make it), or a
response of its own (a redirect, 404 or 410); urls.py routes them with `reader_page`, which
serves the Page the one way every reader page is served.
"""

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from .content import language
from .content.index import LETTERS, group_by_letter, in_index_order
from .delivery import conditional
from .delivery.conditional import LIST_MAX_AGE
from .delivery.pages import Page
from .insights import reader_reports, search_counts, trends
from .models import Category, Entry, RemovedEntry
from .pages import entry_parts, feedback, linking, metadata
from .pages.entry_page import entry_context
from .search import popular, search, suggest

HOME_LIST_SIZE = 8
HOME_TRENDING_SIZE = 5  # "Trending this week": a short list
INDEX_ONE_PAGE = 2000  # entries listed on one A–Z page; beyond, a page per letter
INDEX_PAGE_SIZE = 500
SEARCH_PAGE_SIZE = 20
SUGGESTIONS_MAX_AGE = 60


def _categories_with_counts():
    published = Q(entries__in=Entry.objects.published())
    return Category.objects.annotate(article_count=Count("entries", filter=published))


@require_safe
def home(request):
    published = Entry.objects.published().select_related("category")
    most_viewed = list(published.order_by("-view_count", "title")[:HOME_LIST_SIZE])
    listed = conditional.for_list()
    # Made at most once a minute, and when an entry changes (the lists' version).
    trending = trends.most_viewed_for_readers(trends.WEEK, HOME_TRENDING_SIZE, listed.etag)
    context = {
        "categories": _categories_with_counts(),
        "most_viewed": most_viewed,
        "trending": trending,
        "recently_updated": published.order_by("-updated_at", "title")[:HOME_LIST_SIZE],
        "meta": metadata.for_home(),
    }
    # The lists of most viewed (ever, and this week) change with reads, not saves: their
    # order is part of the page's validators (the counts shown may lag, as on every page).
    validators = listed.plus(
        *(entry.pk for entry in most_viewed), "trending", *(entry.pk for entry in trending)
    )
    return Page(validators, lambda: render(request, "articles/home.html", context), LIST_MAX_AGE)


@require_safe
def entry_index(request):
    """Every public entry by letter: on one page while the glossary is small, then one
    page per letter (paginated), so that a page never lists the whole of a large glossary."""
    return Page(conditional.for_list(), lambda: _render_index(request), LIST_MAX_AGE)


def _render_index(request):
    published = Entry.objects.published()
    counts = dict(published.values_list("initial").annotate(n=Count("pk")).order_by())
    total = sum(counts.values())
    context = {"total": total, "counts": [(letter, counts.get(letter, 0)) for letter in LETTERS]}
    if total <= INDEX_ONE_PAGE:
        entries = in_index_order(published.only("title", "slug", "initial"))
        context["groups"] = group_by_letter(entries)
        path = reverse("articles:index")
    elif (letter := request.GET.get("letter", "").upper()) not in LETTERS:
        path = reverse("articles:index")  # the letters, with how many entries each has
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
    return render(request, "articles/entry_index.html", context)


@require_safe
def category_detail(request, slug):
    # (Another spelling, /categories/Care/, 404s here and LowercasePathMiddleware
    # redirects it.)
    category = get_object_or_404(Category, slug=slug)
    context = {
        "category": category,
        "entries": Entry.objects.published()
        .filter(category=category)
        .only("title", "slug", "definition"),
        "meta": metadata.for_category(category),
    }
    return Page(
        conditional.for_list(category),
        lambda: render(request, "articles/category_detail.html", context),
        LIST_MAX_AGE,
    )


@require_safe
def entry_detail(request, slug):
    entry = entry_parts.published_entry(slug)
    if entry is None:
        return _moved_or_gone(request, slug)
    parts = entry_parts.load(entry)
    answered = entry.pk in feedback.answered(request)
    today = timezone.localdate()
    # Cross-links change with other entries (the names' version), the feedback form with
    # the reader's answer, the review notice and the citations' access date with the
    # day: all are part of the page's validators. Revalidated on every read (max_age 0),
    # so that each read reaches the server and is counted.
    validators = conditional.for_entry(
        entry, parts.related, linking.names_version(), answered, today.isoformat()
    )

    def make():
        context = entry_context(entry, parts, today) | {
            "answered": answered,
            "said": language.said_on(entry, request.GET.get("said", "")),
            "thanked": request.GET.get("feedback") == "thanks",
            "asked_why": request.GET.get("feedback") == "why",  # after a "No": the reasons
            "report_reasons": reader_reports.REASONS,
        }
        return render(request, "articles/entry_detail.html", context)

    return Page(validators, make, counted=("view", entry.pk))


@csrf_exempt  # no token in the form: feedback.from_this_site() refuses forged answers
@require_POST
def entry_feedback(request, slug):
    """The "Was this helpful?" form: count, then back to the entry; after a "No", to its
    reasons (?feedback=why), which come back here as a report (insights/reader_reports.py)."""
    if not feedback.from_this_site(request):
        raise PermissionDenied("Answers are only accepted from this site's pages.")
    article = Entry.objects.published().filter(slug=slug).only("pk", "slug", "title").first()
    if article is None:
        raise Http404("No such entry.")
    answer = request.POST.get("helpful")
    if answer not in {"yes", "no"}:
        return _feedback_not_taken(request, article, "answer", 400)
    report = None
    if answer == "no" and reader_reports.sent_with(request.POST):
        report = reader_reports.ReportForm(request.POST)
        if not report.is_valid():
            return _feedback_not_taken(request, article, "invalid", 400, report.problem)
        if refused := reader_reports.over_limit(request, article):
            return _feedback_not_taken(request, article, refused, 429)
    shown = "why" if answer == "no" and report is None else "thanks"
    response = HttpResponseRedirect(f"{article.get_absolute_url()}?feedback={shown}#feedback")
    response.status_code = 303  # see the entry again, with a GET
    with transaction.atomic():  # the "No" counted (once per reader) and its report
        feedback.record(request, response, article, helpful=answer == "yes")
        if report is not None:
            report.save(article)
    return response


def _feedback_not_taken(request, article, problem, status, detail=""):
    """Why an answer or report was not taken: "answer", "invalid" (400), "already" or
    "limit" (429); nothing was counted or saved."""
    context = {
        "entry": article,
        "problem": problem,
        "detail": detail,
        "meta": metadata.for_error("Not sent" if status == 400 else "Received already"),
    }
    return render(request, "articles/feedback_not_taken.html", context, status=status)


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
    validators = conditional.Validators.of("help", lines, last_modified=None)
    return Page(validators, lambda: render(request, "articles/help.html", context), LIST_MAX_AGE)


@require_safe
def privacy_page(request):
    """What the site counts and keeps about readers, and for how long."""
    context = {"days": settings.READER_DATA_DAYS, "meta": metadata.for_privacy()}
    validators = conditional.Validators.of("privacy", context["days"], last_modified=None)
    return Page(validators, lambda: render(request, "articles/privacy.html", context), LIST_MAX_AGE)


@require_safe
def entry_link_preview(request, slug):
    """A public entry's title and definition, for the previews of links to it."""
    entry = (
        Entry.objects.published()
        .filter(slug=slug)
        .only("title", "slug", "definition", "updated_at")
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    data = {"title": entry.title, "definition": entry.definition, "url": entry.get_absolute_url()}
    validators = conditional.Validators.of(
        "preview", entry.pk, entry.updated_at, last_modified=entry.updated_at
    )
    return Page(validators, lambda: JsonResponse(data), LIST_MAX_AGE)


def _moved(request, path):
    """301 to the canonical address, keeping the query string (campaign tags and all)."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)


def _moved_or_gone(request, slug):
    """An address that is not a public entry's: 301 to where the entry lives now (another
    spelling of its slug, or one of its old slugs), 410 if it was deleted, else 404."""
    slug = slug.lower()
    current = (
        Entry.objects.published().filter(slug=slug).values_list("slug", flat=True).first()
        or Entry.objects.published()
        .filter(old_slugs__old_slug=slug)
        .values_list("slug", flat=True)
        .first()
    )
    if current:
        return _moved(request, reverse("articles:detail", args=[current]))
    if preferred := language.preferred_for_slug(slug):
        url = reverse("articles:detail", args=[preferred.slug])
        return HttpResponseRedirect(f"{url}?{urlencode({'said': slug.replace('-', ' ')})}")
    removed = RemovedEntry.objects.filter(slug=slug).first()
    if removed is None:
        raise Http404("No such entry.")
    context = {"removed": removed, "meta": metadata.for_error("Entry removed")}
    return render(request, "articles/entry_removed.html", context, status=410)


@require_safe
def search_results(request):
    # Results change with any entry's content, like the lists.
    return Page(conditional.for_list(), lambda: _render_search(request), LIST_MAX_AGE)


def _render_search(request):
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
    response = render(request, "articles/search_results.html", context)
    if results.query and (page is None or page.number == 1):
        # A reader's search (its first page of results) counts, with what it found.
        response.counted = search_counts.search_counted(results.query, len(results.ids))
    return response


@require_safe
def search_suggestions(request):
    """Entries whose names start like the query, for the search box's list."""

    def make():
        query, results = suggest(request.GET.get("q", ""))
        return JsonResponse({"query": query, "results": results})

    return Page(conditional.for_list(), make, max_age=SUGGESTIONS_MAX_AGE)
