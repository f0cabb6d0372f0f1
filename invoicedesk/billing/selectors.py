"""Reads of invoices, always scoped to one organization."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Organization
from invoicedesk.core.errors import NotFound

from .models import BillingInvoice

SortField = Literal["issue_date", "due_date", "amount"]
SORT_FIELDS: tuple[SortField, ...] = ("issue_date", "due_date", "amount")
DEFAULT_SORT = "-issue_date"


@dataclass(frozen=True, kw_only=True)
class InvoiceFilters:
    number: str = ""  # exact or prefix
    bill_to: str = ""  # partial, case-insensitive
    issued_from: date | None = None
    issued_to: date | None = None
    amount_min: int | None = None  # minor units
    amount_max: int | None = None
    statuses: tuple[str, ...] = ()
    payment_method: str = ""


@dataclass(frozen=True)
class Cursor:
    """Position after (or before) a row in the sort order: its sort value and id."""

    value: str
    pk: int

    def encode(self) -> str:
        return f"{self.value}~{self.pk}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        if not raw or "~" not in raw:
            return None
        value, _, pk = raw.rpartition("~")
        if not pk.isdigit() or not value:
            return None
        return cls(value, int(pk))


@dataclass
class InvoicePage:
    rows: list[BillingInvoice]
    next_cursor: Cursor | None
    previous_cursor: Cursor | None
    total: int  # capped at `count_limit` + 1
    count_limit: int = field(default=0)

    @property
    def total_is_exact(self) -> bool:
        return self.total <= self.count_limit


def invoice_search(*, organization: Organization, filters: InvoiceFilters) -> QuerySet[BillingInvoice]:
    qs = BillingInvoice.objects.filter(organization=organization).select_related("buyer", "payment_link")
    if filters.number:
        qs = qs.filter(number__startswith=filters.number)
    if filters.bill_to:
        qs = qs.filter(buyer__company_name__icontains=filters.bill_to)
    if filters.issued_from:
        qs = qs.filter(issue_date__gte=filters.issued_from)
    if filters.issued_to:
        qs = qs.filter(issue_date__lte=filters.issued_to)
    if filters.amount_min is not None:
        qs = qs.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(amount__lte=filters.amount_max)
    if filters.statuses:
        qs = qs.filter(payment_link__status__in=filters.statuses)
    if filters.payment_method:
        qs = qs.filter(payment_method=filters.payment_method)
    return qs


def parse_sort(raw: str | None) -> tuple[SortField, bool]:
    """('issue_date', True) for '-issue_date'; unknown values give the default."""
    raw = raw or DEFAULT_SORT
    name = raw.removeprefix("-")
    for candidate in SORT_FIELDS:
        if candidate == name:
            return candidate, raw.startswith("-")
    return parse_sort(DEFAULT_SORT)


def _cursor_of(row: BillingInvoice, sort_field: SortField) -> Cursor:
    return Cursor(str(getattr(row, sort_field)), row.pk)


def invoice_page(
    *,
    organization: Organization,
    filters: InvoiceFilters,
    sort: str | None = None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int | None = None,
) -> InvoicePage:
    """One page of the search, by keyset: fast on any page, however many invoices match."""
    size = size or settings.BILLING_PAGE_SIZE
    count_limit: int = settings.BILLING_COUNT_LIMIT
    sort_field, descending = parse_sort(sort)
    qs = invoice_search(organization=organization, filters=filters)
    total = qs[: count_limit + 1].count()

    going_back = before is not None and after is None
    cursor = before if going_back else after
    scan_descending = descending != going_back
    if cursor is not None:
        op = "lt" if scan_descending else "gt"
        qs = qs.filter(
            Q(**{f"{sort_field}__{op}": cursor.value}) | Q(**{sort_field: cursor.value, f"pk__{op}": cursor.pk})
        )
    order = [f"-{sort_field}", "-pk"] if scan_descending else [sort_field, "pk"]
    rows = list(qs.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if going_back:
        rows.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = cursor is not None, more
    return InvoicePage(
        rows=rows,
        next_cursor=_cursor_of(rows[-1], sort_field) if rows and has_next else None,
        previous_cursor=_cursor_of(rows[0], sort_field) if rows and has_previous else None,
        total=total,
        count_limit=count_limit,
    )


class ExportRow(NamedTuple):
    number: str
    bill_to: str
    issue_date: date
    due_date: date
    amount: int
    currency: str
    payment_method: str
    link_status: str | None


def invoice_export_rows(
    *, organization: Organization, filters: InvoiceFilters, sort: str | None = None
) -> Iterator[ExportRow]:
    """Every invoice of the search as plain tuples, streamed from the database in chunks."""
    sort_field, descending = parse_sort(sort)
    order = [f"-{sort_field}", "-pk"] if descending else [sort_field, "pk"]
    qs = invoice_search(organization=organization, filters=filters).order_by(*order)
    values = qs.values_list(
        "number",
        "buyer__company_name",
        "issue_date",
        "due_date",
        "amount",
        "currency",
        "payment_method",
        "payment_link__status",
    )
    return (ExportRow(*row) for row in values.iterator(chunk_size=5000))


def invoice_get(*, organization: Organization, invoice_id: int) -> BillingInvoice:
    """The invoice, if it belongs to `organization`; another tenant's id is simply not found."""
    try:
        return BillingInvoice.objects.select_related("buyer", "payment_link", "organization").get(
            organization=organization, pk=invoice_id
        )
    except BillingInvoice.DoesNotExist:
        raise NotFound(_("No such invoice.")) from None
