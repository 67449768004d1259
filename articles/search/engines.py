"""Picks the search engine module for the database in use."""

from django.db import connection


def current_engine():
    from . import postgres, sqlite

    return postgres if connection.vendor == "postgresql" else sqlite
