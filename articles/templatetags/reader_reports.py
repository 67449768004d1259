"""{% open_reports entry as reports %}: the entry's open reader reports, for the top of its
change form (the queue is articles/insights/feedback_admin.py)."""

from django import template
from django.db.models import Count, Window

from articles.models import FeedbackReport

register = template.Library()

SHOWN = 10  # the newest; the panel links to the queue for all of them


@register.simple_tag(takes_context=True)
def open_reports(context, article):
    """The newest open reports on the entry, each with `open_total` (all of its open
    reports), in one query; none for an entry not saved yet or a user who may not see
    reports."""
    user = context["request"].user
    if article is None or not article.pk or not user.has_perm("articles.view_feedbackreport"):
        return []
    reports = (
        FeedbackReport.objects.still_open()
        .filter(entry=article)
        .annotate(open_total=Window(Count("pk")))
        .order_by("-created_at", "-pk")
    )
    return list(reports[:SHOWN])
