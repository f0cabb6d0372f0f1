"""What every model of the project may share."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

# The largest id a bigint primary key holds: a larger one names no row, and some drivers refuse to compare it.
MAX_ID = 2**63 - 1


@cache
def _labels_of(field: models.Field[Any, Any]) -> dict[Any, Any]:
    """A field's choices as {value: label}, labels still lazy (translated when shown). Choices are fixed when the
    models load, so once per field is enough."""
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels(models.Model):
    """`get_FOO_display()` in constant time. Django rebuilds the whole mapping of a field's choices on every call
    (≈ 120 µs for the audit log's actions, for each row of a page); this builds it once per field."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 - Django's hook name
        value = getattr(self, field.attname)
        return force_str(_labels_of(field).get(make_hashable(value), value), strings_only=True)


class RateSlot(models.Model):
    """The next free moment of a rate limit shared by every process (core.pacing): one row per limit."""

    name = models.CharField(max_length=64, primary_key=True)
    next_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} free at {self.next_at:%H:%M:%S.%f}"
