"""A reader's query as it is stored: normalised (so that "Naloxone?" and "naloxone" count
as one) and scrubbed of what could identify someone: e-mail addresses, web addresses,
phone numbers and other long numbers are replaced by a placeholder, and the result is
cut to 100 characters."""

import re
import unicodedata

from ..models.insights import QUERY_MAX
from ..search.text import clean_query

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
WEB_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Digits with the separators phone numbers and dates are written with: "+1 (800) 662-4357",
# "12/05/1990", "555 0100". Three-digit numbers ("988", "911") are left alone.
DIGIT_GROUP = re.compile(r"\+?\(?\d[\d\s().+/-]*\d")
PHONE_DIGITS = 7
LONG_NUMBER_DIGITS = 6
# Punctuation at the edges of words ("naloxone?", "“relapse”"); inner marks stay ("12-step").
EDGE_PUNCTUATION = re.compile(r"(?:(?<=\s)|^)[^\w\s\[]+|[^\w\s\]]+(?=\s|$)")


def _digits_replaced(match):
    text = match.group()
    digits = sum(ch.isdigit() for ch in text)
    if digits >= PHONE_DIGITS and "/" not in text:
        return "[phone]"
    if digits >= LONG_NUMBER_DIGITS:
        return "[number]"
    return text


def scrub(text):
    """`text` without e-mail addresses, web addresses, phone numbers and long numbers."""
    text = EMAIL.sub("[email]", text)
    text = WEB_ADDRESS.sub("[link]", text)
    return DIGIT_GROUP.sub(_digits_replaced, text)


def stored_query(raw):
    """The query as counted: cleaned like a search's, scrubbed, in lower case without
    punctuation at the edges of words, cut at QUERY_MAX characters. "" for nothing left."""
    text = scrub(clean_query(raw))
    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join(EDGE_PUNCTUATION.sub(" ", text).split())
    if len(text) > QUERY_MAX:
        text = text[:QUERY_MAX].rsplit(" ", 1)[0] if " " in text[:QUERY_MAX] else text[:QUERY_MAX]
    return text
