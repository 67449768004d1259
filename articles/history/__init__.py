"""An entry's history: its versions (django-reversion revisions) listed to the second, and
the differences between any two of them, its key points, quotes and sources included."""
