"""A reader's report: what was wrong with an entry, after a "No" to "Was this helpful?".

The reason is one of four; the comment is plain text (never shown on the site, shown as
text in the admin), at most 500 characters. Reports are limited per reader address, kept
hashed in the cache like feedback.py's answers: KB_FEEDBACK_REPORTS_PER_HOUR, and one
report per entry a day. See docs/pages.md, "Was this helpful?"."""

import re

from django import forms
from django.conf import settings
from django.core.cache import cache

from ..models import FeedbackReport
from ..models.insights import COMMENT_MAX
from ..pages import feedback

HOUR = 3600
DAY = 24 * HOUR
REASONS = FeedbackReport.Reason.choices  # for the form on the entry's page

# Control characters go, but newlines stay (tabs become spaces); so do the bidirectional
# overrides and isolates that would make a comment read in the admin other than it is.
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain_text(value):
    """A comment as kept: newlines as \\n, no control characters, no space around it."""
    value = _NEWLINES.sub("\n", value).replace("\t", " ")
    return _UNWANTED.sub("", value).strip()


def sent_with(data):
    """Whether a "No" came with the reasons form (as opposed to the "No" button alone)."""
    return "reason" in data or "comment" in data


class PlainTextField(forms.CharField):
    """Text made plain before it is checked (a NUL, say, is removed, not an error)."""

    def to_python(self, value):
        return plain_text(super().to_python(value))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=FeedbackReport.Reason.choices,
        error_messages={
            "required": "Choose what was wrong: one of the reasons listed.",
            "invalid_choice": "Choose what was wrong: one of the reasons listed.",
        },
    )
    # Longer comments are refused, not cut: the form's box takes 500 characters (its line
    # breaks, sent as two characters, count as one here as they do there).
    comment = PlainTextField(required=False)

    def clean_comment(self):
        comment = self.cleaned_data["comment"]
        if len(comment) > COMMENT_MAX:
            raise forms.ValidationError(
                f"The comment is {len(comment)} characters long; it may have {COMMENT_MAX} at most."
            )
        return comment

    @property
    def problem(self):
        """What is wrong with what was sent, in a sentence."""
        return " ".join(message for errors in self.errors.values() for message in errors)

    def save(self, article):
        return FeedbackReport.objects.create(
            entry=article,
            reason=self.cleaned_data["reason"],
            comment=self.cleaned_data["comment"],
        )


def over_limit(request, article):
    """Why this reader's report is not taken now: "already" (a report on this entry from
    their address today) or "limit" (KB_FEEDBACK_REPORTS_PER_HOUR from it this past
    hour); None when it is taken. A report taken is counted here."""
    today = feedback.address_key("feedback-report", request, article.pk)
    if cache.get(today):
        return "already"
    this_hour = feedback.address_key("feedback-reports", request)
    cache.add(this_hour, 0, HOUR)  # the hour begins with the address's first report
    try:
        count = cache.incr(this_hour)
    except ValueError:  # expired between the two calls
        cache.set(this_hour, count := 1, HOUR)
    if count > settings.FEEDBACK_REPORTS_PER_HOUR:
        return "limit"
    if not cache.add(today, 1, DAY):
        return "already"
    return None
