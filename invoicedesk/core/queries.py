"""Query expressions the apps share."""

from __future__ import annotations

from django.db.models import IntegerField, Subquery


class SubqueryCount(Subquery):
    """How many rows a queryset has, as a column of another query: `(SELECT count(*) FROM (…) AS counted)`.
    Give it the rows' ids (`.values("pk")`), so the inner query selects nothing more."""

    template = "(SELECT count(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()
