"""What a page tells search engines and link previews about itself: title, description,
canonical address, OpenGraph/Twitter tags and schema.org structured data (JSON-LD).

Absolute addresses are built from settings.SITE_URL, never from the request's Host header.
"""

import json
import re
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.encoding import iri_to_uri
from django.utils.safestring import mark_safe

from . import addresses

DESCRIPTION_LIMIT = 160
DEFAULT_DESCRIPTION = (
    "Plain-language explanations of addiction, recovery and health terms, "
    "from peer support to naloxone."
)
# Inside <script>, "<" could start "</script>" or "<!--": JSON allows escaping these (and
# "&", ">") as \u003C-style sequences, which parsers read back as the same characters.
_SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


def absolute_url(path):
    return settings.SITE_URL + iri_to_uri(path)


def describe(text, limit=DESCRIPTION_LIMIT):
    """One line of at most `limit` characters, cut at a word boundary with an ellipsis."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


@dataclass
class PageMeta:
    """The head of one page. `path` None means no canonical link (search, errors);
    `indexable` False adds robots noindex."""

    name: str  # the page's own name: og:title
    description: str = DEFAULT_DESCRIPTION
    path: str | None = None
    kind: str = "website"
    indexable: bool = True
    structured_data: list = field(default_factory=list)
    with_site_name: bool = True

    @property
    def title(self):
        """The <title>: the page's name, then the site's."""
        return f"{self.name} · {settings.SITE_NAME}" if self.with_site_name else self.name

    @property
    def canonical_url(self):
        return absolute_url(self.path) if self.path is not None else ""

    @cached_property  # the template asks twice
    def json_ld(self):
        """A safe <script type="application/ld+json"> body: content can't close the element."""
        if not self.structured_data:
            return ""
        data = {"@context": "https://schema.org", "@graph": self.structured_data}
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
        for character, escaped in _SCRIPT_ESCAPES:  # str.replace: much quicker than translate
            text = text.replace(character, escaped)
        return mark_safe(text)


def _glossary():
    url = absolute_url(addresses.fixed("articles:index"))
    return {
        "@type": "DefinedTermSet",
        "@id": url + "#glossary",
        "name": settings.SITE_NAME,
        "url": url,
        "description": DEFAULT_DESCRIPTION,
    }


def _website():
    url = absolute_url(addresses.fixed("articles:home"))
    return {"@type": "WebSite", "@id": url + "#website", "name": settings.SITE_NAME, "url": url}


def _breadcrumbs(url, trail):
    return {
        "@type": "BreadcrumbList",
        "@id": url + "#breadcrumbs",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_url(path)}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def for_home():
    return PageMeta(
        name=f"{settings.SITE_NAME}: addiction and recovery terms explained",
        with_site_name=False,
        path=addresses.fixed("articles:home"),
        structured_data=[_website(), _glossary()],
    )


def for_index(total, path=None):
    description = f"All {total} terms of the recovery and health glossary, from A to Z."
    path = path or addresses.fixed("articles:index")
    glossary = _glossary() | {"description": description, "isPartOf": {"@id": _website()["@id"]}}
    return PageMeta(
        name="All terms A–Z",
        description=description,
        path=path,
        structured_data=[glossary],
    )


def for_category(category):
    path = category.get_absolute_url()
    url = absolute_url(path)
    description = describe(category.description) or (
        f"Terms about {category.name.lower()} in the recovery and health glossary."
    )
    page = {
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": category.name,
        "description": description,
        "isPartOf": {"@id": _website()["@id"]},
        "breadcrumb": {"@id": url + "#breadcrumbs"},
    }
    trail = [("Home", addresses.fixed("articles:home")), (category.name, path)]
    return PageMeta(
        name=category.name,
        description=description,
        path=path,
        structured_data=[page, _breadcrumbs(url, trail)],
    )


def for_entry(article):
    path = article.get_absolute_url()
    url = absolute_url(path)
    description = describe(article.definition)
    term = {
        "@type": "DefinedTerm",
        "@id": url + "#term",
        "name": article.title,
        "description": article.definition,
        "url": url,
        "inDefinedTermSet": _glossary(),
    }
    if article.alias_list:
        term["alternateName"] = article.alias_list
    page = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": article.title,
        "description": description,
        "inLanguage": settings.LANGUAGE_CODE.split("-")[0],
        "about": {"@id": term["@id"]},
        "mainEntity": {"@id": term["@id"]},
        "isPartOf": {"@id": _website()["@id"]},
        "breadcrumb": {"@id": url + "#breadcrumbs"},
        "datePublished": article.published_at.isoformat(timespec="seconds"),
        "dateModified": article.updated_at.isoformat(timespec="seconds"),
    }
    if article.reviewed_at:
        page["lastReviewed"] = article.reviewed_at.isoformat()
    if article.reviewed_by:
        # A role, not a name (the glossary names no reviewer readers cannot verify).
        role = article.reviewed_by.removeprefix("a ").removeprefix("an ")
        page["reviewedBy"] = {
            "@type": "Person",
            "jobTitle": role[:1].upper() + role[1:],
            "worksFor": {
                "@type": "Organization",
                "name": settings.SITE_NAME,
                "url": absolute_url(addresses.fixed("articles:home")),
            },
        }
    trail = [
        ("Home", addresses.fixed("articles:home")),
        (article.category.name, article.category.get_absolute_url()),
        (article.title, path),
    ]
    return PageMeta(
        name=f"{article.title}: meaning and guide",
        description=description,
        path=path,
        kind="article",
        structured_data=[page, term, _breadcrumbs(url, trail)],
    )


def for_search(query, page=None):
    """Result pages are for readers, not for search engines' indexes (noindex)."""
    title = f"Search results for “{query}”" if query else "Search"
    if page is not None and page.number > 1:
        title += f", page {page.number}"
    return PageMeta(name=title, indexable=False)


def for_error(title):
    return PageMeta(name=title, indexable=False)


def for_help():
    return PageMeta(
        name="Need help now?",
        description="Free, confidential help, any time: call or text 988, SAMHSA’s "
        "National Helpline 1-800-662-4357, or 911 in an emergency.",
        path=addresses.fixed("articles:help"),
    )


def for_privacy():
    return PageMeta(
        name="Privacy",
        description="What this glossary counts and keeps when you read, search and answer "
        "“Was this helpful?”, its one cookie, and how long anything you type is kept.",
        path=addresses.fixed("articles:privacy"),
    )
