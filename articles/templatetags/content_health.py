from django import template

from articles.content import quality

register = template.Library()


@register.simple_tag
def content_warnings(article):
    """The entry's content-health warnings as of now (quality.warnings()), for the top of
    its change form; None for an entry not saved yet."""
    if article is None or not article.pk:
        return None
    return quality.warnings(article)
