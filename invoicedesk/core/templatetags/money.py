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


@register.filter(name="yen")
def format_yen(value: int) -> str:
    """{{ 22000|yen }} → '22,000円', as Japanese tax documents write yen (JPY only)."""
    return f"{int(value):,}円"


@register.filter(name="amount_in")
def format_amount_in(value: int | None, currency: str) -> str:
    """{{ line.net_amount|amount_in:invoice.currency }} → '¥50,000': a stored minor-unit amount, formatted."""
    if value is None:
        return "—"
    return Money(int(value), currency).format(get_language())
