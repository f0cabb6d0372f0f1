from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def when(value: datetime | None, precision: str = "minutes") -> str:
    """`{{ moment|when }}`: "2026-05-01 10:00 JST" in the active time zone (the organization's), zone named.

    `{{ moment|when:"seconds" }}` adds the seconds.
    """
    if value is None:
        return "—"
    local = timezone.localtime(value)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if precision == "seconds" else "%Y-%m-%d %H:%M")
    return f"{shown} {local.tzname()}"
