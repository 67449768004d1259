"""Entries as files: one Markdown file per entry with YAML front matter (python-frontmatter),
plus categories.yaml, for teams that keep content in git.

`export_content` writes them; `import_content` validates every file first (problems are
reported as `file:line: message`), then creates or updates entries in one transaction,
leaving unchanged entries alone. View counts and feedback totals are statistics, not
content: they are neither exported nor overwritten.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import reversion
import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from reversion.models import Version

from ..editing.presence import name_of
from ..models import Category, Entry, ExpertQuote, KeyPoint, Source
from . import quality
from .naming import duplicate_title

CATEGORIES_FILE = "categories.yaml"
QUOTE_KINDS = {kind.value for kind in ExpertQuote.Kind}
REQUIRED = ("title", "slug", "category", "definition", "tldr")
ENTRY_KEYS = (
    "title", "slug", "category", "status", "published_at", "aliases", "definition", "tldr",
    "key_points", "quotes", "related", "sources", "reviewed_by", "reviewed_at",
    "review_every_months",
    "stigmatizing_terms", "language_note", "kept_wording", "kept_wording_reason",
)  # fmt: skip
TEXT_FIELDS = (
    "title", "slug", "category", "definition", "tldr", "language_note", "reviewed_by",
    "kept_wording_reason",
)  # fmt: skip


class ContentError(Exception):
    """Problems found in the files; nothing was written."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


# Export


def entry_data(article):
    """An entry's content as plain data (the front matter, and the body)."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "category": article.category.slug,
        "status": article.status,
        "published_at": article.published_at.isoformat(),
        "aliases": article.alias_list,
        "definition": article.definition,
        "tldr": article.tldr,
        "key_points": [point.text for point in article.key_points.all()],
        "quotes": [_quote_data(q) for q in article.quotes.all()],
        "related": sorted(other.slug for other in article.related.all()),
        "sources": [
            {
                "title": s.title,
                "publisher": s.publisher,
                "year": s.year,
                "url": s.url,
                "accessed": s.accessed.isoformat() if s.accessed else None,
            }
            for s in article.sources.all()
        ],
        "reviewed_by": article.reviewed_by,
        "reviewed_at": article.reviewed_at.isoformat() if article.reviewed_at else None,
        "review_every_months": article.review_every_months,
        "stigmatizing_terms": [
            line.strip() for line in article.stigmatizing_terms.splitlines() if line.strip()
        ],
        "language_note": article.language_note,
        "kept_wording": [
            line.strip() for line in article.kept_wording.splitlines() if line.strip()
        ],
        "kept_wording_reason": article.kept_wording_reason,
        # The version exported: an import over a newer one is refused (see apply()).
        "version": article.version,
    }
    return data, article.body


def _quote_data(quote):
    data = {"text": quote.text, "attribution": quote.attribution, "kind": quote.kind}
    if quote.from_entry_id:  # the entry a quote from this knowledge base comes from
        data["from_entry"] = quote.from_entry.slug
    return data


def export(directory):
    """Write every entry (drafts included) and the categories. Returns the entry count."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    categories = [
        {"name": c.name, "slug": c.slug, "description": c.description, "order": c.order}
        for c in Category.objects.order_by("order", "name")
    ]
    (directory / CATEGORIES_FILE).write_text(
        yaml.safe_dump(categories, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    articles = Entry.objects.select_related("category").prefetch_related(
        "key_points", "quotes__from_entry", "sources", "related"
    )
    count = 0
    for article in articles.order_by("slug"):
        data, body = entry_data(article)
        post = frontmatter.Post(body, **data)
        text = frontmatter.dumps(post, sort_keys=False, allow_unicode=True)
        (directory / f"{article.slug}.md").write_text(text + "\n", encoding="utf-8")
        count += 1
    return count


# Import


@dataclass
class Plan:
    categories: list = field(default_factory=list)
    entries: list = field(default_factory=list)  # (path, data, body)
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    written: list = field(default_factory=list)  # (path, slug) of files applied


def _line_of(text, key):
    """The line of `key:` in a file's front matter (1 when not found)."""
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def _check_entry(path, text, data, problem):
    for key in REQUIRED:
        if not isinstance(data.get(key), str) or not data[key].strip():
            problem(_line_of(text, key), f"“{key}” is required")
    for key in TEXT_FIELDS:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            problem(_line_of(text, key), f"“{key}” must be text")
    slug = data.get("slug")
    if isinstance(slug, str):
        try:
            validate_slug(slug)
            if slug != slug.lower():
                raise ValidationError("lower case")
        except ValidationError:
            problem(_line_of(text, "slug"), "“slug” must be lower-case letters, digits and hyphens")
        if path.stem != slug:
            problem(_line_of(text, "slug"), f"the file should be named {slug}.md")
    if data.get("status", "draft") not in {"draft", "published"}:
        problem(_line_of(text, "status"), "“status” must be draft or published")
    published_at = data.get("published_at")
    if isinstance(published_at, datetime.datetime):
        data["published_at"] = published_at.isoformat()
    elif published_at is not None and not (
        isinstance(published_at, str) and parse_datetime(published_at)
    ):
        problem(_line_of(text, "published_at"), "“published_at” must be a date and time")
    for key in ("aliases", "key_points", "related", "stigmatizing_terms", "kept_wording"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problem(_line_of(text, key), f"“{key}” must be a list of texts")
    kept, reason = data.get("kept_wording"), data.get("kept_wording_reason")
    if isinstance(kept, list) and any(str(line).strip() for line in kept):
        if not (isinstance(reason, str) and reason.strip()):
            key = "kept_wording_reason" if "kept_wording_reason" in data else "kept_wording"
            problem(
                _line_of(text, key),
                "“kept_wording_reason” is required with “kept_wording”: say why it is kept",
            )
    for n, quote in enumerate(data.get("quotes") or [], 1):
        if not isinstance(quote, dict) or not quote.get("text") or not quote.get("attribution"):
            problem(_line_of(text, "quotes"), f"quote {n} needs a text and an attribution")
        elif quote.get("kind", "clinician") not in QUOTE_KINDS:
            problem(
                _line_of(text, "quotes"),
                f"quote {n}: kind must be one of {', '.join(sorted(QUOTE_KINDS))}",
            )
        elif quote.get("from_entry") is not None and (
            quote.get("kind") != ExpertQuote.Kind.KNOWLEDGE_BASE
            or not isinstance(quote["from_entry"], str)
        ):
            problem(
                _line_of(text, "quotes"),
                f"quote {n}: “from_entry” is the slug of an entry, for a quote of the kind "
                "knowledge_base",
            )
    for n, source in enumerate(data.get("sources") or [], 1):
        if not isinstance(source, dict) or not source.get("title"):
            problem(_line_of(text, "sources"), f"source {n} needs a title")
            continue
        if source.get("url"):
            try:
                URLValidator()(source["url"])
            except ValidationError:
                problem(_line_of(text, "sources"), f"source {n}: not a valid URL")
        year = source.get("year")
        if year is not None and (type(year) is not int or not 1800 <= year <= 2200):
            problem(_line_of(text, "sources"), f"source {n}: “year” must be a year, e.g. 2024")
        accessed = source.get("accessed")
        if isinstance(accessed, datetime.date):
            source["accessed"] = accessed.isoformat()
        elif accessed and not parse_date(str(accessed)):
            problem(_line_of(text, "sources"), f"source {n}: “accessed” must be a date")
    version = data.get("version")
    if version is not None and (type(version) is not int or version < 1):
        problem(_line_of(text, "version"), "“version” must be a whole number (as exported)")
    months = data.get("review_every_months")
    if months is not None and (type(months) is not int or not 1 <= months <= 120):
        problem(
            _line_of(text, "review_every_months"),
            "“review_every_months” must be a whole number from 1 to 120",
        )
    reviewed_at = data.get("reviewed_at")
    if isinstance(reviewed_at, datetime.date):
        data["reviewed_at"] = reviewed_at.isoformat()
    elif reviewed_at and not parse_date(str(reviewed_at)):
        problem(_line_of(text, "reviewed_at"), "“reviewed_at” must be a date")


def plan(directory):
    """Read and validate every file. Raises ContentError listing every problem."""
    directory = Path(directory)
    problems, result = [], Plan()
    if not directory.is_dir():
        raise ContentError([f"{directory}: no such directory"])
    categories_path = directory / CATEGORIES_FILE
    if categories_path.exists():
        try:
            categories = yaml.safe_load(categories_path.read_text(encoding="utf-8")) or []
            for n, category in enumerate(categories, 1):
                if (
                    not isinstance(category, dict)
                    or not category.get("slug")
                    or not category.get("name")
                ):
                    problems.append(f"{categories_path}:1: category {n} needs a name and a slug")
                else:
                    result.categories.append(category)
        except yaml.YAMLError as error:
            line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
            problems.append(f"{categories_path}:{line}: not valid YAML ({error})")
    known_categories = {c["slug"] for c in result.categories}
    known_categories |= set(Category.objects.values_list("slug", flat=True))

    for path in sorted(directory.glob("*.md")):
        text = path.read_text(encoding="utf-8")

        def problem(line, message, path=path):
            problems.append(f"{path}:{line}: {message}")

        try:
            post = frontmatter.loads(text)
        except Exception as error:  # YAML errors carry the line; anything else is line 1
            mark = getattr(error, "problem_mark", None)
            problem((mark.line + 2) if mark else 1, f"front matter is not valid YAML ({error})")
            continue
        data = dict(post.metadata)
        _check_entry(path, text, data, problem)
        if isinstance(data.get("category"), str) and data["category"] not in known_categories:
            problem(_line_of(text, "category"), f"no category “{data['category']}”")
        result.entries.append((path, data, post.content))

    slugs = [data.get("slug") for _, data, _ in result.entries]
    titles = {}
    for path, data, _ in result.entries:
        if slugs.count(data.get("slug")) > 1:
            problems.append(f"{path}:1: another file has the slug “{data.get('slug')}”")
        title = str(data.get("title", "")).casefold()
        if title in titles:
            line = _line_of(path.read_text(encoding="utf-8"), "title")
            other_path, other_title = titles[title]
            taken = duplicate_title(other_title, f"in {other_path.name}")
            problems.append(f"{path}:{line}: {taken}")
        else:
            titles[title] = (path, data.get("title"))
    known_slugs = set(slugs) | set(Entry.objects.values_list("slug", flat=True))
    for path, data, _ in result.entries:
        text = path.read_text(encoding="utf-8")
        for other in data.get("related") or []:
            if other not in known_slugs:
                problems.append(f"{path}:{_line_of(text, 'related')}: no entry “{other}” to relate")
        for quote in data.get("quotes") or []:
            other = quote.get("from_entry") if isinstance(quote, dict) else None
            if isinstance(other, str) and other not in known_slugs:
                line = _line_of(text, "quotes")
                problems.append(f"{path}:{line}: no entry “{other}” for a quote to come from")
    if problems:
        raise ContentError(problems)
    return result


def _model_problems(path, error):
    """`file:line: message` for what the entry's own validation refused (a title or slug
    taken, …), at the line of the field concerned."""
    text = path.read_text(encoding="utf-8")
    by_field = getattr(error, "message_dict", {NON_FIELD_ERRORS: error.messages})
    return [
        f"{path}:{1 if name == NON_FIELD_ERRORS else _line_of(text, name)}: {message}"
        for name, messages in by_field.items()
        for message in messages
    ]


def _apply_entry(data, body):
    article = Entry.objects.filter(slug=data["slug"]).first() or Entry(slug=data["slug"])
    article.title = data["title"]
    article.category = Category.objects.get(slug=data["category"])
    article.status = data.get("status", "draft")
    if data.get("published_at"):
        article.published_at = parse_datetime(data["published_at"])
    article.aliases = "\n".join(data.get("aliases") or [])
    article.definition = data["definition"]
    article.tldr = data["tldr"]
    article.body = body
    article.reviewed_by = data.get("reviewed_by") or ""
    article.reviewed_at = parse_date(data["reviewed_at"]) if data.get("reviewed_at") else None
    article.review_every_months = data.get("review_every_months")
    article.stigmatizing_terms = "\n".join(data.get("stigmatizing_terms") or [])
    article.language_note = data.get("language_note") or ""
    article.kept_wording = "\n".join(
        line.strip() for line in data.get("kept_wording") or [] if line.strip()
    )
    article.kept_wording_reason = data.get("kept_wording_reason") or ""
    article.full_clean(exclude=["category"])
    article.save()
    article.key_points.all().delete()
    KeyPoint.objects.bulk_create(
        KeyPoint(article=article, text=text, order=n)
        for n, text in enumerate(data.get("key_points") or [], 1)
    )
    article.quotes.all().delete()
    for n, quote in enumerate(data.get("quotes") or [], 1):
        ExpertQuote.objects.create(
            article=article, text=quote["text"], attribution=quote["attribution"],
            kind=quote.get("kind", "clinician"), order=n,
        )  # fmt: skip
    article.sources.all().delete()
    for n, source in enumerate(data.get("sources") or [], 1):
        Source.objects.create(
            article=article, title=source["title"], publisher=source.get("publisher") or "",
            url=source.get("url") or "", order=n, year=source.get("year"),
            accessed=parse_date(source["accessed"]) if source.get("accessed") else None,
        )  # fmt: skip
    return article


def _normalised(data, body):
    """For comparing a file with the stored entry."""
    clean = {key: data.get(key) for key in ENTRY_KEYS}
    for key in ("aliases", "key_points", "stigmatizing_terms", "quotes", "sources"):
        clean[key] = clean[key] or []
    clean["kept_wording"] = clean["kept_wording"] or []
    clean["kept_wording_reason"] = clean["kept_wording_reason"] or ""
    clean["related"] = sorted(clean["related"] or [])
    clean["status"] = clean["status"] or "draft"
    clean["reviewed_by"] = clean["reviewed_by"] or ""
    clean["language_note"] = clean["language_note"] or ""
    for quote in clean["quotes"]:
        quote.setdefault("kind", "clinician")
        quote.setdefault("from_entry", None)
    for source in clean["sources"]:
        source.setdefault("publisher", "")
        source.setdefault("url", "")
        source.setdefault("accessed", None)
        source.setdefault("year", None)
        source["publisher"] = source["publisher"] or ""
        source["url"] = source["url"] or ""
    if clean["published_at"]:
        clean["published_at"] = parse_datetime(clean["published_at"]).isoformat()
    return clean, body.strip()


def _changed_since_export(path, data, existing):
    """A problem if the entry was saved since the file's version was exported."""
    if data.get("version") == existing.version:
        return None
    latest = Version.objects.get_for_object(existing).select_related("revision__user").first()
    by = ""
    if latest is not None:
        user = latest.revision.user
        name = name_of(user) if user else "an import"
        when = timezone.localtime(latest.revision.date_created)
        by = f", last by {name} at {when:%Y-%m-%d %H:%M:%S %Z}"
    exported = f"version {data['version']}" if data.get("version") else "a file with no “version”"
    return (
        f"{path}:{_line_of(path.read_text(encoding='utf-8'), 'version')}: "
        f"“{existing.slug}” was changed since {exported} was exported (now version "
        f"{existing.version}{by}); not overwritten. Export it again and redo your edits "
        "there, or import with --force to overwrite it"
    )


@transaction.atomic
def apply(result, dry_run=False, force=False):
    """Create or update categories and entries from a validated plan, all or nothing.
    An entry saved since its file was exported is reported, not overwritten, unless
    `force`."""
    # The content warnings of the entries written, and of others whose links or related
    # entries they change, are checked once, after the last entry (quality.py).
    with reversion.create_revision(), quality.batch():
        reversion.set_comment("Imported from files")
        return _apply(result, dry_run, force)


def _apply(result, dry_run, force):
    for category in result.categories:
        Category.objects.update_or_create(
            slug=category["slug"],
            defaults={
                "name": category["name"],
                "description": category.get("description") or "",
                "order": category.get("order") or 0,
            },
        )
    changed, conflicts = [], []
    for path, data, body in result.entries:
        existing = (
            Entry.objects.select_related("category")
            .prefetch_related("key_points", "quotes__from_entry", "sources", "related")
            .filter(slug=data["slug"])
            .first()
        )
        if existing is not None:
            current = _normalised(*entry_data(existing))
            if current == _normalised(data, body):
                result.unchanged.append(data["slug"])
                continue
            if not force and (problem := _changed_since_export(path, data, existing)):
                conflicts.append(problem)
                continue
        try:
            article = _apply_entry(data, body.strip())
        except ValidationError as error:
            transaction.set_rollback(True)
            raise ContentError(_model_problems(path, error)) from None
        (result.updated if existing else result.created).append(data["slug"])
        result.written.append((path, data["slug"]))
        changed.append((article, data))
    if conflicts:
        transaction.set_rollback(True)
        raise ContentError(conflicts)
    for article, data in changed:
        # Other entries, once every file's entry exists.
        article.related.set(Entry.objects.filter(slug__in=data.get("related") or []))
        for n, quote in enumerate(data.get("quotes") or [], 1):
            if quote.get("from_entry"):
                quoted = Entry.objects.get(slug=quote["from_entry"])
                article.quotes.filter(order=n).update(from_entry=quoted)
    quality.note(entries={article.pk for article, _ in changed})
    if dry_run:
        transaction.set_rollback(True)
    return result


_VERSION_LINE = re.compile(r"^version:.*$", re.M)


def record_versions(result):
    """Write each applied entry's new version into its file's front matter, so that the
    files say they are current and the next import of them is not refused."""
    versions = dict(
        Entry.objects.filter(slug__in=[slug for _, slug in result.written]).values_list(
            "slug", "version"
        )
    )
    for path, slug in result.written:
        text = path.read_text(encoding="utf-8")
        end = text.find("\n---", 3)
        head, rest = text[: end + 1], text[end + 1 :]
        line = f"version: {versions[slug]}"
        head = (
            _VERSION_LINE.sub(line, head, count=1)
            if _VERSION_LINE.search(head)
            else head + line + "\n"
        )
        path.write_text(head + rest, encoding="utf-8")
