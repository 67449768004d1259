"""Search result excerpts of the demo glossary (loaded once for this module): many shapes
of real entries, every one keeping to its blocks (see test_search_excerpts.py)."""

from articles.models import Entry
from tests.test_search_excerpts import check_reads_well, result_excerpts, seen


def test_every_demo_excerpt_reads_well(demo, db, client):
    """Many shapes of real entries: every excerpt of many searches keeps to its blocks."""
    queries = "aa free meeting naloxone sponsor craving relapse family withdrawal help sleep"
    queries = (queries + " trigger detox support steps shame medication recovery").split()
    seen_any = 0
    for query in queries:
        for title, fragment in result_excerpts(client, query).items():
            check_reads_well(seen(fragment), Entry.objects.get(title=title))
            seen_any += 1
    assert seen_any > 100
