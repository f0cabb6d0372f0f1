import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta) -> int:
    """`{{ delta|minutes }}`: whole minutes, rounded up (never "0 minutes" while time is left)."""
    return math.ceil(value.total_seconds() / 60)
