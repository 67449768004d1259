from django import template

from articles.pages import addresses

register = template.Library()


@register.simple_tag
def address(viewname, slug=None):
    """{% url viewname %} or {% url viewname slug %} for the reader pages' links, resolved
    once per process (articles/pages/addresses.py): about three times cheaper than
    {% url %}, and a page links to a dozen addresses. Django's admin templates keep
    {% url %}."""
    if slug is None:
        return addresses.fixed(viewname)
    return addresses.by_slug(viewname, slug)
