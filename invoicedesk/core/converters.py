"""Path converters for our URLs."""

from __future__ import annotations

from .models import MAX_ID


class IdConverter:
    """`<id:invoice_id>`: an object id. Django's `int` takes any number of digits, and an id past a bigint makes
    the database driver fail (a 500) where it should be no such object (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(value)  # the route does not match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
