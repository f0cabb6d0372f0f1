"""Reads of invoices, always scoped to one organization."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Organization
from invoicedesk.core.errors import InvalidInput, NotFound
from invoicedesk.core.models import MAX_ID
from invoicedesk.core.money import Money, MoneyError

from .models import BillingInvoice, Buyer, RefundState

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
    search: SearchTerm | None = None  # the one Search box
    refund_states: tuple[str, ...] = ()  # keys of REFUND_STATES: has a refund in that state


# The refund statuses behind each state, by name (refunds sit above billing; tests/refunds checks the names).
REFUND_STATES: dict[str, tuple[str, ...]] = {
    RefundState.IN_PROGRESS: ("PROCESSING", "PENDING"),
    RefundState.FAILED: ("FAILED",),
    RefundState.AWAITING_APPROVAL: ("PENDING_APPROVAL",),
}


# Stripe ids the Search box recognises, and where each is kept (lookups by name: payments and refunds sit above
# billing, so they are reached through the relations, never imported).
_STRIPE_ID = re.compile(r"^(?P<kind>pi|ch|py|re|pyr)_[A-Za-z0-9]+$")
_STRIPE_ID_FIELDS = {
    "pi": "payment_link__stripe_payment_intent_id",
    "ch": "payment_link__stripe_charge_id",
    "py": "payment_link__stripe_charge_id",
    "re": "payment_link__refunds__stripe_refund_id",
    "pyr": "payment_link__refunds__stripe_refund_id",
}
# Each kind of match is first listed by id when it has at most this many invoices: a short list is an index lookup
# for PostgreSQL, where an OR of joined conditions would scan every invoice. A kind with more matches is common
# enough that walking the sort order with the condition finds a page quickly.
SEARCH_LIST_LIMIT = 2000


@dataclass(frozen=True)
class SearchTerm:
    """What the operator typed in the Search box, and what it can be: text, an amount, last four digits, a Stripe id.

    Text matches any part of the invoice number, the buyer's company, contact name and email; an amount (as typed
    for the organization's currency: "110000", "¥110,000") the Billing Amount exactly; four digits the card's last
    four; a Stripe id (pi_…, ch_…, re_…) whole or its beginning.
    """

    text: str
    amount: int | None = None
    last4: str = ""
    stripe_id_field: str = ""

    @classmethod
    def parse(cls, raw: str, currency: str) -> SearchTerm | None:
        text = " ".join(unicodedata.normalize("NFKC", raw or "").split())
        if not text:
            return None
        amount: int | None = None
        if not text.startswith("0"):
            try:
                amount = Money.parse(text, currency).amount
            except MoneyError:
                amount = None
        stripe_id = _STRIPE_ID.match(text)
        return cls(
            text=text,
            amount=amount,
            last4=text if len(text) == 4 and text.isascii() and text.isdigit() else "",
            stripe_id_field=_STRIPE_ID_FIELDS[stripe_id["kind"]] if stripe_id else "",
        )

    def condition(self, organization: Organization) -> tuple[Q, bool]:
        """Any kind of match, as a condition PostgreSQL serves from indexes (see SEARCH_LIST_LIMIT).

        Also whether it is only a list of ids (no kind had too many matches): then invoice_page sorts them itself.
        """
        invoices = BillingInvoice.objects.filter(organization=organization)
        buyers = Buyer.objects.filter(organization=organization).filter(
            Q(company_name__icontains=self.text) | Q(contact_name__icontains=self.text) | Q(email__icontains=self.text)
        )
        kinds: list[tuple[Callable[[], list[int] | None], Q]] = [
            (lambda: _listed(invoices.filter(number__icontains=self.text)), Q(number__icontains=self.text)),
            (lambda: _listed_by_buyer(invoices, buyers), Q(buyer__in=buyers.values("pk"))),
        ]
        if self.amount is not None:
            by_amount = invoices.filter(amount=self.amount)
            kinds.append((lambda: _listed(by_amount), Q(amount=self.amount)))
        if self.last4:
            last4 = invoices.filter(payment_link__card_last4=self.last4)
            kinds.append((lambda: _listed(last4), Q(pk__in=last4.values("pk"))))
        if self.stripe_id_field:
            by_id = invoices.filter(**{f"{self.stripe_id_field}__startswith": self.text})
            kinds.append((lambda: _listed(by_id), Q(pk__in=by_id.values("pk"))))
        listed: set[int] = set()
        common = Q()
        for list_ids, condition in kinds:
            ids = list_ids()
            if ids is None:
                common |= condition
            else:
                listed.update(ids)
        return common | Q(pk__in=sorted(listed)), not common


@dataclass
class SearchHits:
    """Why an invoice of the list matched the Search box: the amount, or fields the list does not show."""

    amount: bool = False
    others: list[tuple[str, str]] = field(default_factory=list)  # (label, value)


def search_hits(*, term: SearchTerm, rows: list[BillingInvoice]) -> dict[int, SearchHits]:
    """For highlighting: what matched in each row (the number and company are marked in place by the template)."""
    needle = term.text.casefold()
    hits: dict[int, SearchHits] = {}
    refund_ids: dict[int, list[str]] = {}
    if term.stripe_id_field.endswith("refunds__stripe_refund_id"):
        matching = BillingInvoice.objects.filter(
            pk__in=[row.pk for row in rows], **{f"{term.stripe_id_field}__startswith": term.text}
        ).values_list("pk", term.stripe_id_field)
        for pk, refund_id in matching:
            refund_ids.setdefault(pk, []).append(refund_id)
    for row in rows:
        found = SearchHits(amount=term.amount == row.amount)
        for label, value in ((_("Contact"), row.buyer.contact_name), (_("Email"), row.buyer.email)):
            if needle in value.casefold():
                found.others.append((label, value))
        link = getattr(row, "payment_link", None)
        if link is not None:
            for label, value in (
                (_("Stripe payment"), link.stripe_payment_intent_id),
                (_("Stripe charge"), link.stripe_charge_id),
            ):
                if term.stripe_id_field and value and value.startswith(term.text):
                    found.others.append((label, value))
            if term.last4 and link.card_last4 == term.last4:
                found.others.append((_("Card"), f"{link.card_brand} •••• {link.card_last4}".strip()))
        found.others += [(_("Stripe refund"), refund_id) for refund_id in refund_ids.get(row.pk, [])]
        hits[row.pk] = found
    return hits


def _listed(invoices: QuerySet[BillingInvoice]) -> list[int] | None:
    """The ids of `invoices`, or None when there are more than SEARCH_LIST_LIMIT."""
    ids = list(invoices.order_by().values_list("pk", flat=True)[: SEARCH_LIST_LIMIT + 1])
    return None if len(ids) > SEARCH_LIST_LIMIT else ids


def _listed_by_buyer(invoices: QuerySet[BillingInvoice], buyers: QuerySet[Buyer]) -> list[int] | None:
    # The buyers first, by their own (trigram) indexes; then their invoices by the buyer index.
    buyer_ids = list(buyers.order_by().values_list("pk", flat=True)[: SEARCH_LIST_LIMIT + 1])
    if len(buyer_ids) > SEARCH_LIST_LIMIT:
        return None
    return _listed(invoices.filter(buyer_id__in=buyer_ids)) if buyer_ids else []


_CURSOR_PK = re.compile(r"[0-9]{1,19}", re.ASCII)
_CURSOR_AMOUNT = re.compile(r"-?[0-9]{1,19}", re.ASCII)
_CURSOR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


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
        value, _sep, pk = raw.rpartition("~")
        if not _CURSOR_PK.fullmatch(pk) or not value or int(pk) > MAX_ID:
            return None
        return cls(value, int(pk))

    @classmethod
    def from_link(cls, raw: str | None, *, sort: str | None) -> Cursor | None:
        """The cursor of a page link (`?after=2026-04-01~123`) for this sort: None when absent; a value that
        cannot be one of ours for the sort ('x~1', an amount of 20 digits, '²') is InvalidInput."""
        if not raw:
            return None
        cursor = cls.decode(raw)
        field_name, _descending = parse_sort(sort)
        pattern = _CURSOR_AMOUNT if field_name == "amount" else _CURSOR_DATE
        if cursor is None or not pattern.fullmatch(cursor.value):
            raise InvalidInput(_("This page link is not valid. Go back to the first page of the list."))
        if field_name == "amount" and abs(int(cursor.value)) > MAX_ID:
            raise InvalidInput(_("This page link is not valid. Go back to the first page of the list."))
        if field_name != "amount":
            try:
                date.fromisoformat(cursor.value)
            except ValueError:
                raise InvalidInput(_("This page link is not valid. Go back to the first page of the list.")) from None
        return cursor


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
    return _invoice_query(organization=organization, filters=filters)[0]


def _invoice_query(*, organization: Organization, filters: InvoiceFilters) -> tuple[QuerySet[BillingInvoice], bool]:
    """The search, and whether the Search box reduced it to a short list of ids."""
    listed = False
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
    if filters.refund_states:
        statuses = [status for state in filters.refund_states for status in REFUND_STATES[state]]
        # A subquery, not a join: an invoice with two such refunds is still one row.
        with_refund = BillingInvoice.objects.filter(
            organization=organization, payment_link__refunds__status__in=statuses
        ).values("pk")
        qs = qs.filter(pk__in=with_refund)
    if filters.search is not None:
        condition, listed = filters.search.condition(organization)
        qs = qs.filter(condition)
    return qs, listed


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
    qs, listed = _invoice_query(organization=organization, filters=filters)
    if listed:
        return _listed_page(
            organization, qs, sort_field, descending, after=after, before=before, size=size, count_limit=count_limit
        )
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


def _listed_page(
    organization: Organization,
    qs: QuerySet[BillingInvoice],
    sort_field: SortField,
    descending: bool,
    *,
    after: Cursor | None,
    before: Cursor | None,
    size: int,
    count_limit: int,
) -> InvoicePage:
    """A page of a search the Search box reduced to a few thousand ids at most, sorted here.

    PostgreSQL would rather walk the sort index and test each row against the id list, which on a million
    invoices can mean most of them; their sort keys by primary key are a quick read.
    """
    keys = sorted(qs.order_by().values_list(sort_field, "pk"), reverse=descending)

    def first_after(cursor: Cursor, *, inclusive: bool) -> int:
        """Where the rows after the cursor's row begin (or where it is, when inclusive)."""
        mark = (date.fromisoformat(cursor.value) if sort_field != "amount" else int(cursor.value), cursor.pk)
        for index, key in enumerate(keys):
            if (inclusive and key == mark) or (key < mark if descending else key > mark):
                return index
        return len(keys)

    start, end = 0, size
    if before is not None and after is None:
        end = first_after(before, inclusive=True)
        start = max(0, end - size)
    elif after is not None:
        start = first_after(after, inclusive=False)
        end = start + size
    chosen = keys[start:end]
    # The page's rows by their ids alone (they come from the scoped search above): the long id list again would
    # only mislead the planner.
    page_rows = BillingInvoice.objects.filter(organization=organization, pk__in=[pk for _, pk in chosen])
    rows_by_pk = {row.pk: row for row in page_rows.select_related("buyer", "payment_link")}
    rows = [rows_by_pk[pk] for _, pk in chosen]
    has_previous, has_next = start > 0, end < len(keys)
    return InvoicePage(
        rows=rows,
        next_cursor=_cursor_of(rows[-1], sort_field) if rows and has_next else None,
        previous_cursor=_cursor_of(rows[0], sort_field) if rows and has_previous else None,
        total=min(len(keys), count_limit + 1),
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
    amount_refunded: int | None
    paid_currency: str | None


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
        "payment_link__amount_refunded",
        "payment_link__paid_currency",
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
