"""An invoice's amounts per consumption tax rate, from its lines (one rounding per rate per document)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from invoicedesk.core.tax import Rounding, tax_on_net

from .models import BillingInvoice


@dataclass(frozen=True)
class RateTotal:
    rate: int
    net: int
    tax: int

    @property
    def gross(self) -> int:
        return self.net + self.tax


def invoice_totals_by_rate(invoice: BillingInvoice) -> list[RateTotal]:
    """Highest rate first; empty for an invoice without lines (sold before lines were recorded)."""
    rounding = Rounding(invoice.organization.tax_rounding)
    sums = invoice.lines.values("tax_rate").annotate(net=Sum("net_amount")).order_by("-tax_rate")
    return [
        RateTotal(rate=row["tax_rate"], net=row["net"], tax=tax_on_net(row["net"], row["tax_rate"], rounding))
        for row in sums
    ]
