"""{% attention_board %}: the admin home page's "Needs attention" board
(articles/insights/attention.py), for the user signed in."""

from django import template

from articles.insights import attention

register = template.Library()


@register.inclusion_tag("admin/insights/attention_board.html", takes_context=True)
def attention_board(context):
    shown, items = attention.board(context["request"].user)
    return {"shown": shown, "items": items}
