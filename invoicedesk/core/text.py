"""Text for pages."""

from __future__ import annotations

import re
from datetime import datetime

from django.utils import timezone
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


def moment_text(value: datetime | None, precision: str = "minutes") -> str:
    """The moment in the active time zone (the organization's), the zone named: "2026-05-01 10:00 JST", with
    precision "seconds" "2026-05-01 10:00:05 JST"; "—" for none."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if precision == "seconds" else "%Y-%m-%d %H:%M")
    return f"{shown} {local.tzname()}"
