from django import template

from articles.pages import addresses

register = template.Library()


@register.simple_tag
def address(viewname):
    """{% url viewname %} for the pages without arguments that every page links to,
    resolved once per process (articles/pages/addresses.py)."""
    return addresses.fixed(viewname)
