"""Picks the search engine for the database in use."""

from django.db import connection

from .base import SearchEngine


def current_engine() -> SearchEngine:
    """The engine module of the database in use (postgres.py or sqlite.py): each provides
    SearchEngine's functions (engine.py)."""
    from . import postgres, sqlite

    return postgres if connection.vendor == "postgresql" else sqlite
