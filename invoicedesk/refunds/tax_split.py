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


def _taken(remaining: dict[int, int], amount: int, chosen: dict[str, int]) -> dict[int, int]:
    """What one refund takes at each rate: the operator's split if they chose one, else pro rata."""
    if chosen:
        return {rate: min(int(chosen.get(str(rate), 0)), remaining[rate]) for rate in remaining}
    return allocate(min(amount, sum(remaining.values())), remaining)


def remaining_by_rate(invoice: BillingInvoice, earlier: Iterable[tuple[int, dict[str, int]]]) -> dict[int, int]:
    """What is left at each rate after the earlier refunds (amount, chosen split), in order."""
    remaining = gross_by_rate(invoice)
    for amount, chosen in earlier:
        taken = _taken(remaining, amount, chosen)
        remaining = {rate: remaining[rate] - taken[rate] for rate in remaining}
    return remaining


def _split(
    invoice: BillingInvoice, earlier: Iterable[tuple[int, dict[str, int]]], amount: int, chosen: dict[str, int]
) -> list[RatePart]:
    remaining = remaining_by_rate(invoice, earlier)
    parts = _taken(remaining, amount, chosen)
    # More refunded than the invoice's lines account for (a payment that differed): the rest at the highest rate.
    parts[max(parts)] += amount - sum(parts.values())
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
        .values_list("amount", "rate_split")
    )
    return _split(refund.payment_link.invoice, earlier, refund.amount, refund.rate_split)


def _holding(link: PaymentLink) -> list[tuple[int, dict[str, int]]]:
    return list(
        Refund.objects.filter(payment_link=link, status__in=RefundStatus.reserving())
        .order_by("requested_at", "id")
        .values_list("amount", "rate_split")
    )


def split_of_new_refund(link: PaymentLink, amount: int, chosen: dict[str, int] | None = None) -> list[RatePart]:
    """The split a refund asked now would have, after every refund that holds part of the payment."""
    return _split(link.invoice, _holding(link), amount, chosen or {})


def split_problem(link: PaymentLink, amount: int, chosen: dict[str, int]) -> str | None:
    """Why an operator's split cannot be, or None: the invoice's rates only, the Refund Amount in sum, and never
    more at a rate than remains there."""
    remaining = remaining_by_rate(link.invoice, _holding(link))
    if set(chosen) - {str(rate) for rate in remaining}:
        return "rates"
    if any(value < 0 for value in chosen.values()) or sum(chosen.values()) != amount:
        return "sum"
    if any(int(chosen.get(str(rate), 0)) > left for rate, left in remaining.items()):
        return "above"
    return None
