"""The Refunds tab: every refund of an organization, found by refund date, amount, buyer, status and type.

Refund date is when Stripe confirmed the refund, or when it was requested while it has no confirmation yet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.billing.selectors import InvoiceFilters, SearchTerm, invoice_search

from .models import Refund


@dataclass(frozen=True)
class RefundFilters:
    refunded_from: date | None = None
    refunded_to: date | None = None
    amount_min: int | None = None  # minor units
    amount_max: int | None = None
    buyer: str = ""  # part of the buyer's company name or email
    statuses: tuple[str, ...] = ()
    classification: str = ""
    # The one Search box, as on the invoice list: whatever finds the refund's invoice (number, buyer, its
    # payment's ids, card), the refund's own amount, or its Stripe refund id.
    search: SearchTerm | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def refunds_search(*, organization: Organization, filters: RefundFilters) -> QuerySet[Refund]:
    refunds = (
        Refund.objects.filter(organization=organization)
        .annotate(refund_date=Coalesce("succeeded_at", "requested_at"))
        .select_related("payment_link__invoice__buyer", "requested_by")
    )
    if filters.refunded_from:
        refunds = refunds.filter(refund_date__gte=_day_start(filters.refunded_from))
    if filters.refunded_to:  # the whole last day, in the organization's time zone
        refunds = refunds.filter(refund_date__lt=_day_start(filters.refunded_to) + timedelta(days=1))
    if filters.amount_min is not None:
        refunds = refunds.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        refunds = refunds.filter(amount__lte=filters.amount_max)
    if filters.buyer:
        buyer = filters.buyer.strip()
        refunds = refunds.filter(
            Q(payment_link__invoice__buyer__company_name__icontains=buyer)
            | Q(payment_link__invoice__buyer__email__icontains=buyer)
        )
    if filters.statuses:
        refunds = refunds.filter(status__in=filters.statuses)
    if filters.classification:
        refunds = refunds.filter(classification=filters.classification)
    if filters.search is not None:
        refunds = refunds.filter(_search_condition(organization, filters.search))
    return refunds


def _search_condition(organization: Organization, term: SearchTerm) -> Q:
    if term.text.startswith(("re_", "pyr_")):
        return Q(stripe_refund_id__startswith=term.text)  # that refund, not its invoice's others
    invoices = invoice_search(organization=organization, filters=InvoiceFilters(search=term)).values("pk")
    condition = Q(payment_link__invoice_id__in=invoices)
    if term.amount is not None:
        condition |= Q(amount=term.amount)
    return condition


def refund_page(refunds: QuerySet[Refund], *, before_id: int | None, size: int = 50) -> tuple[list[Refund], int | None]:
    """One page, newest first, by keyset on the id; returns the rows and the cursor of the next page."""
    if before_id is not None:
        refunds = refunds.filter(id__lt=before_id)
    rows = list(refunds.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, rows[-1].pk if rows and more else None


def refund_rows_for_export(refunds: QuerySet[Refund]) -> Iterator[Refund]:
    return refunds.order_by("-id").iterator(chunk_size=2000)
