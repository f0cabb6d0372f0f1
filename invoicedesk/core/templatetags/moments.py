from datetime import datetime

from django import template

from invoicedesk.core.text import moment_text

register = template.Library()


@register.filter
def when(value: datetime | None, precision: str = "minutes") -> str:
    """`{{ moment|when }}`: "2026-05-01 10:00 JST" in the active time zone (the organization's), zone named.

    `{{ moment|when:"seconds" }}` adds the seconds.
    """
    return moment_text(value, precision)
