"""Assembling reader pages: an entry's parts, cross-links, metadata for crawlers,
reading aids, addresses."""
