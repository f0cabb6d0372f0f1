"""Text for pages."""

from __future__ import annotations

import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def mark_matches(value: object, term: str | None) -> SafeString:
    """`value` escaped, every case-insensitive occurrence of `term` in <mark>."""
    text = str(value)
    if not term:
        return mark_safe(conditional_escape(text))  # noqa: S308 - escaped just now
    pieces = re.split(f"({re.escape(term)})", text, flags=re.IGNORECASE)
    return mark_safe(  # noqa: S308 - every piece is escaped
        "".join(
            f"<mark>{conditional_escape(piece)}</mark>" if index % 2 else str(conditional_escape(piece))
            for index, piece in enumerate(pieces)
        )
    )
