import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(needs_autoescape=True)
def highlight(value: object, term: str | None, autoescape: bool = True) -> SafeString:
    """{{ invoice.number|highlight:search }}: every case-insensitive occurrence of the search in <mark>, escaped."""
    escape = conditional_escape if autoescape else str
    text = str(value)
    if not term:
        return mark_safe(escape(text))  # noqa: S308 - escaped just now
    pieces = re.split(f"({re.escape(term)})", text, flags=re.IGNORECASE)
    return mark_safe(  # noqa: S308 - every piece is escaped
        "".join(
            f"<mark>{escape(piece)}</mark>" if index % 2 else str(escape(piece)) for index, piece in enumerate(pieces)
        )
    )


@register.filter
def hits_for(hits: dict[int, object], pk: int) -> object:
    """{% with hit=hits|hits_for:invoice.pk %}: one row's search hits, or None."""
    return hits.get(pk)
