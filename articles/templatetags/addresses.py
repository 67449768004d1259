from django import template

from articles import addresses

register = template.Library()


@register.simple_tag
def address(viewname):
    """{% url viewname %} for the pages without arguments that every page links to,
    resolved once per process (articles/addresses.py)."""
    return addresses.fixed(viewname)
