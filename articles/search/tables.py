"""The tables the search engines' plain SQL reads and writes, named as their models name
them. (The FTS5 tables of SQLite have no model: migration 0005 names them.)"""

from articles.models import Category, Entry, SearchDocument, SearchName, SearchTypoKey

ARTICLES = Entry._meta.db_table
CATEGORIES = Category._meta.db_table
DOCUMENTS = SearchDocument._meta.db_table
NAMES = SearchName._meta.db_table
TYPO_KEYS = SearchTypoKey._meta.db_table
