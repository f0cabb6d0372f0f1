from django import template
from django.http import QueryDict
from django.utils.translation import get_language

from invoicedesk.core.money import Money

register = template.Library()


@register.filter(name="money")
def format_money(value: Money | None) -> str:
    """{{ invoice.billing_amount|money }} → '¥110,000' (en) or '￥110,000' (ja)."""
    if value is None:
        return "—"
    return value.format(get_language())


@register.simple_tag
def query_with(query: QueryDict, **changes: str | None) -> str:
    """The current query string with some keys replaced (None removes a key)."""
    params = query.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
