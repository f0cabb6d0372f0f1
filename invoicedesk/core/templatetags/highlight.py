from django import template
from django.utils.safestring import SafeString

from invoicedesk.core.text import mark_matches

register = template.Library()


@register.filter(is_safe=True)
def highlight(value: object, term: str | None) -> SafeString:
    """{{ invoice.number|highlight:search }}: every case-insensitive occurrence of the search in <mark>, escaped."""
    return mark_matches(value, term)
