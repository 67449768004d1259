"""Search: what readers type in the search box, turned into ranked entries.

The pipeline is the same on every database (engines.py picks sqlite.py or postgres.py):

1. clean and normalise the query; drop question words ("what is paws" → "paws");
2. exact title/alias matches first;
3. then entries containing all the words (the last as a prefix), tiered: title/alias
   matches, then definition/TL;DR matches, then the rest, each tier by relevance;
4. fewer than a handful of results → entries containing any of the words;
5. a word found nowhere is corrected against the vocabulary of titles and aliases
   (1 edit from 4 letters, 2 from 8) and the corrected query's results come first,
   with a "Did you mean" line.
"""

import re
from dataclasses import dataclass, field

from django.utils import timezone

from articles.content.rendering import highlight
from articles.models import Entry, SearchDocument, SearchName, SearchTypoKey, published_q

from .engines import current_engine
from .excerpts import excerpt, lead
from .text import (
    MAX_QUERY_WORDS,
    STOP_WORDS,
    allowed_typos,
    clean_query,
    deletes,
    edit_distance,
    last_is_prefix,
    normalize,
    query_words,
    sound_fold,
    stems,
)

RESULT_LIMIT = 1000
HANDFUL = 3
TITLE_RESORT = 50
SUGGESTION_LIMIT = 8
# Highlight markers in snippets: control characters never occur in indexed text.
MARKERS = ("\x02", "\x03")

__all__ = ["SearchResults", "clean_query", "popular", "search", "suggest"]


@dataclass
class SearchResults:
    query: str
    ids: list = field(default_factory=list)
    words: list = field(default_factory=list)
    correction: str = ""
    found_without_correction: int = 0

    @property
    def total(self):
        return len(self.ids)

    @property
    def capped(self):
        return len(self.ids) >= RESULT_LIMIT

    def hits(self, ids):
        """[(article, excerpt HTML with <mark>ed words)] for the ids shown on one page."""
        articles = (
            Entry.objects.select_related("category")
            .only("title", "slug", "definition", "category__name")
            .in_bulk(ids)
        )
        texts = {
            article_id: (summary, body)
            for article_id, summary, body in SearchDocument.objects.filter(
                article_id__in=ids
            ).values_list("article_id", "summary", "body")
        }
        hits = []
        for article_id in ids:
            if article_id not in articles:
                continue  # deleted since the search ran
            article = articles[article_id]
            summary, body = texts.get(article_id, (article.definition, ""))
            best = (
                excerpt(summary, self.words, MARKERS)
                or excerpt(body, self.words, MARKERS)
                or lead(summary)
            )
            hits.append((article, highlight(best, MARKERS)))
        return hits


def search(raw_query):
    query = clean_query(raw_query)
    words = query_words(query)
    if not words:
        return SearchResults(query=query)
    engine = current_engine()
    with engine.session():
        return _search(engine, query, words, timezone.now())


def _search(engine, query, words, now):
    ids, all_words_found = _ranked(engine, query, words, now)
    results = SearchResults(query=query, ids=ids, words=list(words))
    results.found_without_correction = len(ids)

    # An entry containing every word proves each word is known, and a single word that
    # found nothing is unknown: only otherwise ask the index which words it lacks.
    if all_words_found:
        unknown_words = set()
    elif len(words) == 1:
        unknown_words = set(words)
    else:
        unknown_words = set(engine.unknown_words(words, prefix_last=last_is_prefix(words)))
    unknown = [i for i, word in enumerate(words) if word in unknown_words]
    if unknown:
        corrected = list(words)
        for i in unknown:
            corrected[i] = _correct(engine, words[i]) or words[i]
        if corrected != words:
            better, _ = _ranked(engine, " ".join(corrected), corrected, now)
            seen = set(better)
            results.ids = (better + [i for i in ids if i not in seen])[:RESULT_LIMIT]
            results.words = _unique(words + corrected)
            replacements = {words[i]: corrected[i] for i in unknown}
            results.correction = _rewrite(query, replacements)
    return results


def _ranked(engine, query, words, now):
    exact = list(
        SearchName.objects.filter(
            published_q("article__"), normalized__in={normalize(query), " ".join(words)}
        )
        .order_by("-is_title", "article_id")
        .values_list("article_id", flat=True)
    )
    options = {"prefix_last": last_is_prefix(words), "now": now, "limit": RESULT_LIMIT}
    ranked = engine.rank(words, any_word=False, **options)
    all_words_found = bool(ranked)
    if len(ranked) < HANDFUL and len(words) > 1:
        ranked += engine.rank(words, any_word=True, **options)
    ids = [article_id for article_id, _ in ranked]
    title_matches = [article_id for article_id, tier in ranked if tier == 1][:TITLE_RESORT]
    if len(title_matches) > 1:
        ids = _by_title_coverage(title_matches, words) + ids
    return _unique(exact + ids)[:RESULT_LIMIT], all_words_found


def _by_title_coverage(ids, words):
    """Title/alias matches with the names the query covers best first: "relapse" puts
    Relapse before Relapse Prevention (bm25 scores whole entries, not titles)."""
    word_stems = stems(words)
    coverage = dict.fromkeys(ids, 0.0)
    for article_id, name in SearchName.objects.filter(article_id__in=ids).values_list(
        "article_id", "normalized"
    ):
        name_words = name.split()
        if all(any(other.startswith(stem) for other in name_words) for stem in word_stems):
            coverage[article_id] = max(coverage[article_id], len(words) / len(name_words))
    return sorted(ids, key=lambda article_id: -coverage[article_id])


def _correct(engine, word):
    """The closest vocabulary word within the tolerated edits that some entry contains."""
    tolerated = allowed_typos(word)
    if not tolerated:
        return None
    folded = sound_fold(word)
    candidates = set(
        SearchTypoKey.objects.filter(key__in=deletes(folded, tolerated)).values_list(
            "word", flat=True
        )
    )
    ranked = sorted(
        (min(edit_distance(word, candidate), edit_distance(folded, sound_fold(candidate))),
         candidate[0] != word[0], abs(len(candidate) - len(word)), candidate)
        for candidate in candidates - {word}
    )  # fmt: skip
    close = [candidate for distance, *_, candidate in ranked if distance <= tolerated][:10]
    missing = set(engine.unnamed(close)) if close else set()
    return next((candidate for candidate in close if candidate not in missing), None)


def _rewrite(query, replacements):
    """The reader's own words with the misspelt ones replaced, for "Did you mean"."""

    def replace(match):
        return replacements.get(normalize(match.group()), match.group())

    return re.sub(r"[^\s]+", replace, query)


def _unique(items):
    return list(dict.fromkeys(items))


def suggest(raw_query, limit=SUGGESTION_LIMIT):
    """Autocomplete: entries with a title or alias matching the words typed so far, the
    last one as a prefix ("withdr" → Withdrawal, "narc" → Naloxone via "Narcan")."""
    query = clean_query(raw_query)
    words = normalize(query).split()[:MAX_QUERY_WORDS]
    if not words:
        return query, []
    words = [w for w in words[:-1] if w not in STOP_WORDS] + words[-1:]
    engine = current_engine()
    with engine.session():
        rows = engine.suggest(words, now=timezone.now(), limit=limit * 5)
    results, seen = [], set()
    for article_id, name, is_title, title, slug, category in rows:
        if article_id in seen:
            continue
        seen.add(article_id)
        results.append(
            {
                "title": title,
                "url": Entry(slug=slug).get_absolute_url(),
                "category": category,
                "match": "" if is_title else name,
            }
        )
        if len(results) == limit:
            break
    return query, results


def popular(limit=8):
    """Most read entries, for empty searches and dead ends."""
    return (
        Entry.objects.published()
        .select_related("category")
        .order_by("-view_count", "title")[:limit]
    )
