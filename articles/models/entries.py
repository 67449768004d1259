"""Entries and what belongs to one: categories, key points, quotes, sources, old
addresses, removed entries; which entries are public (published())."""

import calendar
import datetime
from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from ..pages import addresses


class CategoryManager(models.Manager):
    # Fixtures refer to categories by slug. (There is no natural_key(): backups made with
    # --natural-primary keep primary keys, which revisions refer to.)
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Category(models.Model):
    """A shelf of the glossary ("Lifestyle & Health"); `order` sets its place in menus."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers come first.")
    # Set on every save (like auto_now), with a default so fixtures may leave it out.
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CategoryManager()

    class Meta:
        ordering = ("order", "name")
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return addresses.by_slug("articles:category", self.slug)


def published_q(prefix=""):
    """The one definition of "visible to the public": published, and its time has come.
    `prefix` applies it across a relation ("article__"). published_sql() is the same in
    plain SQL."""
    # The time is compared through an expression that no index covers: nearly every entry's
    # time has come, and SQLite's planner, which can't tell that from a bound parameter,
    # would otherwise walk every public entry by time instead of using the index that
    # gives a list its order or fetches a few entries by id.
    published_at = Coalesce(f"{prefix}published_at", f"{prefix}published_at")
    return Q(
        LessThanOrEqual(published_at, timezone.now()),
        **{f"{prefix}status": Entry.Status.PUBLISHED},
    )


def add_months(day, months):
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class PlainSQL(NamedTuple):
    """Plain SQL whose parameters are named (`%(name)s` placeholders, a dict of values):
    pieces combine by putting the texts together and merging the dicts, and a name may
    occur more than once. Both databases' cursors take such a statement as it is."""

    sql: str
    params: dict


def published_sql(table, now=None):
    """published_q() in plain SQL (the search engines', entry_parts.py's and
    GlossaryState.versions()), for the entries table as `table` names it (an alias, or the
    table's name). Its one parameter is `%(now)s`: the time now, or `now`, adapted for the
    database. A statement that uses it takes its params: `{"slug": …, **visible.params}`."""
    quote = connection.ops.quote_name
    status = quote(Entry._meta.get_field("status").column)
    published_at = quote(Entry._meta.get_field("published_at").column)
    now = timezone.now() if now is None else now
    # The status is written out, not a parameter: partial indexes on public entries
    # (article_published_idx) serve only conditions that spell it.
    return PlainSQL(
        f"{table}.{status} = '{Entry.Status.PUBLISHED.value}' "
        f"AND {table}.{published_at} <= %(now)s",
        {"now": connection.ops.adapt_datetimefield_value(now)},
    )


# An entry's statistics, not its content: changed only by atomic increments (counting.py,
# feedback.py), never written by a save (Entry._do_update), never kept in revisions.
@cache
def _converters(field):
    column = field.get_col(field.model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)


def from_db_value(field, value):
    """A value of `field` read with plain SQL, as the ORM would give it (SQLite hands
    dates and times over as text)."""
    column, functions = _converters(field)
    for function in functions:
        value = function(value, column, connection)
    return value


COUNTERS = ("view_count", "helpful_yes", "helpful_no")


def refuse_counters(fields):
    """A save or bulk_update() naming a counter would write back a count read earlier."""
    named = [name for name in COUNTERS if name in (fields or ())]
    if named:
        raise ValueError(
            f"{', '.join(named)} change only by increments, e.g. "
            f"Entry.objects.filter(pk=…).update({named[0]}=F({named[0]!r}) + 1)."
        )


class EntryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_q())

    def review_due(self, today=None):
        """Entries never reviewed, or whose next review is due by `today` (Entry's own
        period, or the site's): one condition per period in use, a handful at most."""
        today = today or timezone.localdate()
        periods = self.exclude(review_every_months=None).values_list(
            "review_every_months", flat=True
        )
        due = Q(reviewed_at__isnull=True) | Q(
            review_every_months__isnull=True,
            reviewed_at__lte=add_months(today, -settings.REVIEW_PERIOD_MONTHS),
        )
        for months in set(periods.order_by().distinct()):
            due |= Q(review_every_months=months, reviewed_at__lte=add_months(today, -months))
        return self.filter(due)

    def bulk_update(self, objs, fields, batch_size=None):
        refuse_counters(fields)
        return super().bulk_update(objs, fields, batch_size)


class EntryManager(models.Manager.from_queryset(EntryQuerySet)):
    # Fixtures refer to related entries by slug (see CategoryManager).
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Entry(models.Model):
    """One glossary term, shaped like the entries readers know: a definition, a TL;DR,
    expert quotes, key points and a Markdown body.

    `body_html` is derived: the body rendered and sanitised at save time, fixtures included
    (signals.py), so a page view never runs Markdown.

    The counters (COUNTERS: views, "helpful" answers) change only by atomic increments, so
    no concurrent view or answer is lost and `updated_at` stays put. Saving an existing
    entry, however it is done (the admin, a revert, an import, `loaddata`), leaves them out
    of its UPDATE, and a save or bulk_update() naming one is refused: counts read before
    a save are never written back. A new row (a new entry, a backup restored into an empty
    database) is inserted with the counts it is given.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The last part of the address: /terms/this-slug/."
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="entries")
    aliases = models.TextField(
        blank=True,
        help_text="Other names and abbreviations readers use, one per line (e.g. AA).",
    )
    definition = models.TextField(help_text="One paragraph shown under the title.")
    stigmatizing_terms = models.TextField(
        "stigmatizing words",
        blank=True,
        help_text="Words that stigmatize people, for which this entry's term is preferred, "
        "one per line (e.g. addict). Searching for or visiting one of them lands here, "
        "with the language note.",
    )
    language_note = models.TextField(
        blank=True,
        help_text="A short, kind note on why the glossary uses this term instead, shown to "
        "readers who arrive through one of the words above.",
    )
    tldr = models.TextField("TL;DR", help_text="One sentence that sums the entry up.")
    body = models.TextField(blank=True, help_text="Markdown. Use ## for section headings.")
    # The A–Z index's letter ("#" for digits and symbols) and order key, kept from the
    # title on save so that one letter of a large glossary is one indexed query.
    initial = models.CharField(max_length=1, default="#", editable=False)
    sort_title = models.CharField(max_length=200, default="", editable=False)
    body_html = models.TextField(editable=False, blank=True)
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    view_count = models.PositiveIntegerField(default=0)
    # "Was this helpful?" answers; changed only with F() updates (articles/pages/feedback.py).
    helpful_yes = models.PositiveIntegerField("helpful", default=0, editable=False)
    helpful_no = models.PositiveIntegerField("not helpful", default=0, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        default=timezone.now, help_text="The entry is public from this time on, once published."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="The role of whoever checked the entry's accuracy, e.g. “a clinical "
        "reviewer, addiction medicine”. A role, not a name: never a person readers "
        "cannot verify.",
    )
    reviewed_at = models.DateField("last reviewed", null=True, blank=True)
    review_every_months = models.PositiveSmallIntegerField(
        "review every (months)",
        null=True,
        blank=True,
        help_text="Months until the next review of this entry. Empty: the site's period.",
    )
    # The stigma check (articles/content/wording.py) leaves these words alone in this entry.
    kept_wording = models.TextField(
        "wording kept on purpose",
        blank=True,
        help_text="Words to avoid that this entry keeps on purpose, one per line "
        "(e.g. in a verbatim title or the name of an organisation).",
    )
    kept_wording_reason = models.CharField(
        "why the wording is kept",
        max_length=300,
        blank=True,
        help_text="Required with the words above, e.g. “verbatim quote”.",
    )
    # Content-health warnings (articles/content/quality.py), stored for the admin list and filter.
    content_warnings = models.TextField(blank=True, editable=False)
    # One more on every saved change of the entry or its rows (articles/content/signals.py): a
    # change form or a file made from an older version is noticed (articles/editing/).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = EntryManager()

    class Meta:
        # The table keeps its first name; the app's package is `articles` for the same
        # reason (the design of the project fixes it).
        db_table = "articles_article"
        verbose_name = "entry"
        verbose_name_plural = "entries"
        ordering = (Lower("title"),)
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                name="article_title_unique_ci",
                violation_error_message="An entry with this title already exists.",
            ),
            models.CheckConstraint(condition=Q(view_count__gte=0), name="article_views_gte_0"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="article_status_valid"
            ),
            # One spelling per address: /terms/Peer-Support/ redirects to the stored slug.
            models.CheckConstraint(
                condition=Q(slug=Lower("slug")),
                name="article_slug_lowercase",
                violation_error_message="The slug must be in lower case.",
            ),
            models.CheckConstraint(
                condition=Q(review_every_months__isnull=True)
                | Q(review_every_months__gte=1, review_every_months__lte=120),
                name="article_review_period_valid",
                violation_error_message="Review every 1 to 120 months.",
            ),
            models.CheckConstraint(
                condition=Q(kept_wording="") | ~Q(kept_wording_reason=""),
                name="article_kept_wording_has_reason",
                violation_error_message="Say why the wording is kept on purpose.",
            ),
        ]
        indexes = [
            # The A–Z index and category pages: published entries by title.
            models.Index(F("status"), Lower("title"), name="article_status_title_idx"),
            # Most viewed and recently updated public entries, read in index order (the
            # title breaks ties) without sorting every entry.
            models.Index(fields=["status", "-view_count", "title"], name="article_views_idx"),
            models.Index(fields=["status", "initial", "sort_title"], name="article_letter_idx"),
            # The latest publication time that has come (GlossaryState.versions()). Partial,
            # so that SQLite's planner, which can't tell how many entries a bound time
            # matches, doesn't pick it over the indexes that give lists their order.
            models.Index(
                fields=["published_at"],
                condition=Q(status="published"),
                name="article_published_idx",
            ),
            models.Index(fields=["status", "-updated_at", "title"], name="article_updated_idx"),
            # Other entries' addresses and visibility by id (cross-links, related entries).
            # SQLite keeps a row's columns in order, status and publication time after the
            # long texts: read from a row, they cost its overflow pages.
            models.Index(fields=["id", "slug", "status", "published_at"], name="article_link_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.slug = self.slug.lower()
        refuse_counters(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return addresses.by_slug("articles:detail", self.slug)

    def _do_update(self, base_qs, using, pk_val, values, *args, **kwargs):
        # Django's one UPDATE of a save (a private hook), raw saves included: loaddata and
        # reversion's revert skip save() but not this. An INSERT does not pass here.
        values = [value for value in values if value[0].name not in COUNTERS]
        return super()._do_update(base_qs, using, pk_val, values, *args, **kwargs)

    def clean(self):
        # A title or address already meaning something else (articles/content/naming.py); checked
        # here so that the admin and import_content refuse it alike.
        from ..content import naming  # it reads the models

        errors = {
            name: problem
            for name, problem in (
                ("title", naming.title_problem(self)),
                ("slug", naming.slug_problem(self)),
            )
            if problem
        }
        if errors:
            raise ValidationError(errors)

    def get_preview_url(self):
        """Its title and definition, for the previews of links to it (reader.js)."""
        return addresses.by_slug("articles:preview", self.slug)

    @property
    def is_public(self):
        """published_q() for an entry already read."""
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def review_period_months(self):
        return self.review_every_months or settings.REVIEW_PERIOD_MONTHS

    @property
    def next_review_due(self):
        """The date of the entry's next review (None if it was never reviewed)."""
        if self.reviewed_at is None:
            return None
        return add_months(self.reviewed_at, self.review_period_months)

    def review_overdue(self, today=None):
        """Past its next review date (the day itself is not past it)."""
        due = self.next_review_due
        return due is not None and due < (today or timezone.localdate())

    @property
    def alias_list(self):
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class SlugRedirect(models.Model):
    """An address an entry had before its slug changed: it answers 301 to the entry's
    current address for as long as the entry exists (articles/content/signals.py keeps it)."""

    old_slug = models.SlugField(max_length=200, unique=True)
    article = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(old_slug=Lower("old_slug")), name="slugredirect_old_slug_lowercase"
            )
        ]

    def __str__(self):
        return f"/terms/{self.old_slug}/ → {self.article}"


class RemovedEntry(models.Model):
    """The address of a published entry that was deleted: it answers 410 Gone (not 404),
    so crawlers drop it at once, and it dates the change on the lists that showed it."""

    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=200)
    category = models.ForeignKey(
        Category, null=True, on_delete=models.SET_NULL, related_name="removed_articles"
    )
    removed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "articles_removedarticle"
        verbose_name = "removed entry"
        verbose_name_plural = "removed entries"

    def __str__(self):
        return self.title


class KeyPoint(models.Model):
    """One line of an entry's "Key Points" check-mark list."""

    article = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="key_points")
    text = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("order", "id")

    def __str__(self):
        return self.text


class ExpertQuote(models.Model):
    """A quote under "Expert Insights"; the attribution names a role or a context, and the
    kind says what expertise speaks, so lived experience and clinical voices both show.

    A quote of the kind "knowledge base" comes from another entry or page of this
    knowledge base: its attribution is that page's title as given, and `from_entry` links
    it when the page is an entry here."""

    class Kind(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        RESEARCHER = "researcher", "Researcher"
        PEER_SPECIALIST = "peer", "Certified peer specialist"
        LIVED_EXPERIENCE = "lived", "Person with lived experience"
        ORGANISATION = "organisation", "Organisation"
        KNOWLEDGE_BASE = "knowledge_base", "From this knowledge base"

    article = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="quotes")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CLINICIAN)
    text = models.TextField("quote")
    attribution = models.CharField(
        max_length=200,
        help_text="Who or what speaks, e.g. “Addiction medicine physician”; for a quote from "
        "this knowledge base, the title of the page it comes from, as given.",
    )
    from_entry = models.ForeignKey(
        Entry,
        verbose_name="from the entry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quoted_in",
        help_text="For a quote from this knowledge base: the entry it comes from, if it is "
        "one here (the attribution then links to it).",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("order", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "clinician",
                        "researcher",
                        "peer",
                        "lived",
                        "organisation",
                        "knowledge_base",
                    ]
                ),
                name="quote_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(from_entry__isnull=True) | Q(kind="knowledge_base"),
                name="quote_from_entry_is_knowledge_base",
                violation_error_message="Only a quote from this knowledge base comes from an "
                "entry.",
            ),
        ]

    def __str__(self):
        return f"{self.text[:60]} — {self.attribution}"


class Source(models.Model):
    """A reference the entry relies on, shown as a numbered list under "Sources".

    The link check (`manage.py check_sources`, articles/content/link_check.py) records what
    the address answered; changing the address clears it."""

    class Check(models.TextChoices):
        OK = "ok", "Works"
        MOVED = "moved", "Moved permanently"
        BROKEN = "broken", "Broken (not found)"
        ERROR = "error", "Server error"
        UNREACHABLE = "unreachable", "Unreachable"

    CHECK_FIELDS = ("checked_at", "check_result", "check_detail")

    article = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The year the source was published or last updated."
    )
    url = models.URLField("URL", max_length=500, blank=True)
    accessed = models.DateField("date accessed", null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    checked_at = models.DateTimeField("link checked", null=True, blank=True, editable=False)
    check_result = models.CharField(
        "link check", max_length=12, choices=Check.choices, blank=True, editable=False
    )
    check_detail = models.CharField("link check detail", max_length=600, blank=True, editable=False)

    class Meta:
        ordering = ("order", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1800, year__lte=2200),
                name="source_year_valid",
                violation_error_message="Give the year in four digits.",
            ),
            models.CheckConstraint(
                condition=Q(check_result__in=["", "ok", "moved", "broken", "error", "unreachable"]),
                name="source_check_result_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A check says nothing about an address it did not visit.
        if self.url != getattr(self, "_loaded_url", self.url):
            self.checked_at, self.check_result, self.check_detail = None, "", ""
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *self.CHECK_FIELDS}
        super().save(*args, **kwargs)
        self._loaded_url = self.url

    @classmethod
    def from_db(cls, db, field_names, values):
        source = super().from_db(db, field_names, values)
        source._loaded_url = source.__dict__.get("url")
        return source
