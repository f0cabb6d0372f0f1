"""Which consumption tax rate a refund returns, for the refund modal and the qualified return invoice.

The invoice's amounts per rate (its lines, taxed once per rate; an invoice without lines is wholly at the standard
rate), less what earlier refunds of the payment took at each rate, replayed in order; a refund is split pro rata over
what remains (core.tax.allocate) and the tax in each part is computed once per rate with the organization's rounding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from invoicedesk.billing.models import BillingInvoice, TaxRate
from invoicedesk.billing.taxes import invoice_totals_by_rate
from invoicedesk.core.tax import Rounding, allocate, tax_within_gross
from invoicedesk.payments.models import PaymentLink

from .models import Refund, RefundStatus


@dataclass(frozen=True)
class RatePart:
    rate: int
    amount: int  # tax included
    tax: int

    @property
    def reduced(self) -> bool:
        return self.rate == TaxRate.REDUCED


def gross_by_rate(invoice: BillingInvoice) -> dict[int, int]:
    totals = invoice_totals_by_rate(invoice)
    return {total.rate: total.gross for total in totals} or {int(TaxRate.STANDARD): invoice.amount}


def _split(invoice: BillingInvoice, earlier: Iterable[int], amount: int) -> list[RatePart]:
    remaining = gross_by_rate(invoice)
    for previous in earlier:
        taken = allocate(min(previous, sum(remaining.values())), remaining)
        remaining = {rate: remaining[rate] - taken[rate] for rate in remaining}
    fits = min(amount, sum(remaining.values()))
    parts = allocate(fits, remaining)
    # More refunded than the invoice's lines account for (a payment that differed): the rest at the highest rate.
    parts[max(parts)] += amount - fits
    rounding = Rounding(invoice.organization.tax_rounding)
    return [
        RatePart(rate=rate, amount=gross, tax=tax_within_gross(gross, rate, rounding))
        for rate, gross in sorted(parts.items(), reverse=True)
        if gross
    ]


def split_of_refund(refund: Refund) -> list[RatePart]:
    """A succeeded refund's split, after the refunds of the same payment that succeeded before it."""
    earlier = (
        Refund.objects.filter(payment_link_id=refund.payment_link_id, status=RefundStatus.SUCCEEDED)
        .exclude(pk=refund.pk)
        .filter(succeeded_at__lte=refund.succeeded_at)
        .order_by("succeeded_at", "id")
        .values_list("amount", flat=True)
    )
    return _split(refund.payment_link.invoice, earlier, refund.amount)


def split_of_new_refund(link: PaymentLink, amount: int) -> list[RatePart]:
    """The split a refund asked now would have, after every refund that holds part of the payment."""
    earlier = (
        Refund.objects.filter(payment_link=link, status__in=RefundStatus.reserving())
        .order_by("requested_at", "id")
        .values_list("amount", flat=True)
    )
    return _split(link.invoice, earlier, amount)
