"""Search benchmark: synthetic glossaries of N entries on SQLite or PostgreSQL.

    .venv/bin/python bench/search.py --entries 10000 --database sqlite
    .venv/bin/python bench/search.py --entries 100000 --database postgres

Builds a throwaway database (a file under /tmp, or the PostgreSQL database `kb_bench`),
fills it with synthetic entries (a ~200-word body, 4 key points, 0–2 aliases), rebuilds the
search index (timed), then reports p50/p95 latencies in milliseconds for the search
function, the /search/ page and /search/suggest/, next to a naive `icontains` search
measured in the same run, plus index size and per-entry index upkeep.
"""

import argparse
import itertools
import os
import random
import statistics
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = [a + b for a in "bcdfghklmnprstvz" for b in "aeiou"] + ["ing", "ion", "er", "al"]
COMMON = ["recovery", "support", "people", "help", "change"]  # in nearly every entry


def word(rng, low=2, high=4):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(low, high)))


FREQUENT_WORDS = []


def build_corpus(n, seed=7):
    rng = random.Random(seed)
    vocabulary = sorted({word(rng) for _ in range(40_000)})
    rng.shuffle(vocabulary)
    FREQUENT_WORDS[:] = vocabulary[:200]
    term_words = list({word(rng, 2, 5) for _ in range(max(2000, n // 4))})
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))

    def sentence(k):  # Zipf-distributed words, like real text
        words = rng.choices(vocabulary, cum_weights=cumulative, k=k)
        return " ".join(words).capitalize() + "."

    titles, entries = set(), []
    while len(entries) < n:
        title = " ".join(rng.sample(term_words, rng.choice((1, 2, 2, 3)))).title()
        if title.casefold() in titles:
            continue
        titles.add(title.casefold())
        aliases = [
            "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(2, 4)))
            if rng.random() < 0.5
            else word(rng, 2, 4)
            for _ in range(rng.choice((0, 1, 1, 2)))
        ]
        body_words = rng.choices(vocabulary, cum_weights=cumulative, k=200)
        for common in COMMON:
            if rng.random() < 0.95:
                body_words[rng.randrange(200)] = common
        paragraphs = [" ".join(body_words[i : i + 50]) for i in range(0, 200, 50)]
        entries.append(
            {
                "title": title,
                "aliases": "\n".join(aliases),
                "definition": sentence(25) + " " + sentence(15),
                "tldr": sentence(18),
                "body_html": "".join(
                    f"<h2>{word(rng).title()}</h2>\n<p>{p}</p>\n" for p in paragraphs
                ),
                "key_points": [sentence(12) for _ in range(4)],
            }
        )
    return entries


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    args = parser.parse_args()

    if args.database == "sqlite":
        path = Path(f"/tmp/kb-bench-{args.entries}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS kb_bench")
            c.execute("CREATE DATABASE kb_bench")
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/kb_bench"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="knowledgebase.settings",
        DJANGO_SECRET_KEY="bench",
        DJANGO_ALLOWED_HOSTS="testserver",
        KB_SITE_URL="http://testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_DEBUG="0",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from articles.models import Category, Entry, KeyPoint
    from articles.search import search, suggest
    from articles.search.indexing import index_article, rebuild

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"# {args.entries:,} entries on {connection.vendor}, {time.strftime('%Y-%m-%d')}")
    started = time.perf_counter()
    corpus = build_corpus(args.entries)
    category = Category.objects.create(name="Synthetic", slug="synthetic")
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(corpus), 2000):
            chunk = corpus[start : start + 2000]
            articles = Entry.objects.bulk_create(
                Entry(
                    title=e["title"], slug=f"term-{start + i}", category=category,
                    aliases=e["aliases"], definition=e["definition"], tldr=e["tldr"],
                    body="(synthetic)", body_html=e["body_html"], status="published",
                    published_at=now, view_count=(start + i) % 997,
                )
                for i, e in enumerate(chunk)
            )  # fmt: skip
            KeyPoint.objects.bulk_create(
                KeyPoint(article=a, text=text, order=k)
                for a, e in zip(articles, chunk, strict=True)
                for k, text in enumerate(e["key_points"])
            )
    print(f"generated and stored in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    size_before = database_size(connection)
    started = time.perf_counter()
    rebuild()
    print(f"full index rebuild: {time.perf_counter() - started:.1f} s")
    print(f"index size: {(database_size(connection) - size_before) / 1e6:.1f} MB")

    rng = random.Random(3)
    sample = rng.sample(corpus, args.queries)
    frequent = set(FREQUENT_WORDS)

    def typo(text):
        candidates = [w for w in text.lower().split() if len(w) >= 5] or [text.lower()]
        w = rng.choice(candidates)
        i = rng.randrange(len(w) - 1)
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]

    queries = {
        "exact title": [e["title"] for e in sample],
        # A title word plus a content word of the definition (not one of the 200 most
        # frequent words, which play the part of English function words).
        "multi-word": [
            e["title"].split()[0]
            + " "
            + next(
                (w for w in e["definition"].rstrip(".").lower().split() if w not in frequent),
                "recovery",
            )
            for e in sample
        ],
        "typo": [typo(e["title"]) for e in sample],
        "prefix": [e["title"].split()[0][:4] for e in sample],
        "common words": [" ".join(rng.sample(COMMON, 2)) for _ in sample],
    }

    def naive(q):
        matches = Q()
        for w in q.split():
            matches &= Q(title__icontains=w) | Q(definition__icontains=w) | Q(body__icontains=w)
        qs = Entry.objects.published().filter(matches)
        list(qs.order_by("title")[:20])
        qs.count()

    client = Client()
    rows = []
    for kind, qs in queries.items():
        for q in qs[:3]:  # warm caches
            search(q)
        fn_ms = [timed(search, q) for q in qs]
        page_ms = [timed(client.get, "/search/", {"q": q}) for q in qs]
        naive_ms = [timed(naive, q) for q in qs]
        rows.append((kind, fn_ms, page_ms, naive_ms))

    print()
    print("| query kind | search() p50 | p95 | /search/ p50 | p95 | icontains p50 | p95 |")
    print("|---|---|---|---|---|---|---|")
    for kind, fn_ms, page_ms, naive_ms in rows:
        cells = [f"{percentile(s, p):.1f}" for s in (fn_ms, page_ms, naive_ms) for p in (50, 95)]
        print(f"| {kind} | " + " | ".join(cells) + " |")

    prefixes = [e["title"].split()[0][: rng.randint(2, 5)] for e in rng.sample(corpus, 60)]
    for p in prefixes[:3]:
        suggest(p)
    suggest_ms = [timed(suggest, p) for p in prefixes]
    suggest_page_ms = [timed(client.get, "/search/suggest/", {"q": p}) for p in prefixes]

    def naive_suggest(p):
        list(Entry.objects.published().filter(title__istartswith=p)[:8])

    naive_suggest_ms = [timed(naive_suggest, p) for p in prefixes]
    print(
        f"| suggest | {percentile(suggest_ms, 50):.1f} | {percentile(suggest_ms, 95):.1f} | "
        f"{percentile(suggest_page_ms, 50):.1f} | {percentile(suggest_page_ms, 95):.1f} | "
        f"{percentile(naive_suggest_ms, 50):.1f} | {percentile(naive_suggest_ms, 95):.1f} |"
    )

    correct = [e["title"] for e in sample]
    typo_ms = [timed(search, typo(t)) for t in correct]
    correct_ms = [timed(search, t.lower().split()[0]) for t in correct]
    print(
        f"\ntypo fallback, extra over a correctly spelt query (p50): "
        f"{statistics.median(typo_ms) - statistics.median(correct_ms):.1f} ms"
    )

    # The work indexing adds to a save: timed inside one transaction, as a save's own
    # transaction (which commits anyway) would hold it.
    articles = list(Entry.objects.order_by("?")[:50])
    with transaction.atomic():
        upkeep = [timed(index_article, a) for a in articles]
    print(
        f"index upkeep per saved entry: p50 {percentile(upkeep, 50):.1f} ms, "
        f"p95 {percentile(upkeep, 95):.1f} ms"
    )


def database_size(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            return pages * cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
