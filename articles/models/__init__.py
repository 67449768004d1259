"""The glossary's tables, by concern: entries and their parts (entries.py), the
glossary's versions (glossary_state.py), person-first language (language.py), the search
index (search.py), editors at work (editing.py)."""

from .editing import EditorPresence
from .entries import (
    COUNTERS,
    Category,
    Entry,
    ExpertQuote,
    KeyPoint,
    PlainSQL,
    RemovedEntry,
    SlugRedirect,
    Source,
    from_db_value,
    published_q,
    published_sql,
    refuse_counters,
)
from .glossary_state import GlossaryState
from .insights import DailyViews, FeedbackReport, SearchDay, SearchOpen, SearchTotal
from .language import StigmatizingTerm, WordToAvoid
from .search import FirstWord, SearchDocument, SearchName, SearchTypoKey

__all__ = [
    "COUNTERS",
    "DailyViews",
    "Entry",
    "FeedbackReport",
    "Category",
    "EditorPresence",
    "ExpertQuote",
    "FirstWord",
    "GlossaryState",
    "KeyPoint",
    "PlainSQL",
    "RemovedEntry",
    "SearchDay",
    "SearchDocument",
    "SearchName",
    "SearchOpen",
    "SearchTotal",
    "SearchTypoKey",
    "SlugRedirect",
    "Source",
    "StigmatizingTerm",
    "WordToAvoid",
    "from_db_value",
    "published_q",
    "published_sql",
    "refuse_counters",
]
