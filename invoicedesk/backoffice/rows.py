"""Rows of the long tables (the invoice list, the Payment Transaction history, the audit log), made in Python.

Through Django's template language each row cost ≈ 0.1–0.3 ms (variable lookups, filters, an include, a
reverse()), most of a page's time (bench/pages.py); the same strings made here cost a fraction of that, and the
templates only place them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.billing.selectors import SearchHits
from invoicedesk.core.money import Money
from invoicedesk.core.text import mark_matches, moment_text
from invoicedesk.payments.history import render_message, render_status
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction
from invoicedesk.refunds.models import Dispute
from invoicedesk.refunds.selectors import HeldMoney

# Stands for the invoice id in a detail URL reversed once per page (a long number no other part of it holds).
_ID_MARK = 987654321987654321


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    number_marked: SafeString
    bill_to_marked: SafeString
    other_hits: tuple[tuple[str, SafeString], ...]
    issue_date: str
    due_date: str
    amount: str
    amount_matched: bool
    refunded: str  # "" when nothing was refunded
    held: tuple[str, ...]  # held_lines: what refunds hold and have not returned yet
    payment_method: str
    status: SafeString  # the link's status badge (link_status_badge)
    detail_url: str
    disputed: tuple[str, ...] = ()  # dispute_lines: open disputes, and by when to respond


def link_status_badge(link: PaymentLink | None) -> SafeString:
    """The Online Payment Link Status as the list and the detail page show it; a dash without a link."""
    if link is None:
        return format_html('<span class="muted">{}</span>', "—")
    return format_html(
        '<span class="status status-{}">{}</span>', link.status.lower(), PaymentLinkStatus(link.status).label
    )


def held_lines(held: HeldMoney | None) -> tuple[str, ...]:
    """Held money as the pages say it: "¥60,000 awaiting approval (requested by operator@… at 2026-12-05 10:04
    JST)" for each request (or their total when the requests are not known), "¥22,000 awaiting Stripe"."""
    if held is None:
        return ()
    language = get_language()
    lines = [
        _("%(amount)s awaiting approval (requested by %(requester)s at %(time)s)")
        % {
            "amount": request.amount.format(language),
            "requester": request.requested_by,
            "time": moment_text(request.requested_at),
        }
        for request in held.requests
    ]
    if not held.requests and held.awaiting_approval.amount:
        lines.append(_("%(amount)s awaiting approval") % {"amount": held.awaiting_approval.format(language)})
    if held.awaiting_stripe.amount:
        lines.append(_("%(amount)s awaiting Stripe") % {"amount": held.awaiting_stripe.format(language)})
    return tuple(lines)


def dispute_lines(disputes: list[Dispute] | None) -> tuple[str, ...]:
    """Open disputes as the list says them: "Disputed ¥110,000 — respond in Stripe by 2026-12-10 09:00 JST"."""
    language = get_language()
    lines = []
    for dispute in disputes or ():
        amount = dispute.money.format(language)
        if dispute.evidence_due_by is not None:
            lines.append(
                _("Disputed %(amount)s — respond in Stripe by %(due)s")
                % {"amount": amount, "due": moment_text(dispute.evidence_due_by)}
            )
        else:
            lines.append(_("Disputed %(amount)s") % {"amount": amount})
    return tuple(lines)


def refundable_explained(link: PaymentLink, held: HeldMoney, refundable: Money) -> str:
    """Where the Refundable Amount comes from, "¥220,000 paid − ¥0 refunded − ¥60,000 held"; said only when the
    figures add up to it (they do unless refunds at Stripe exceed the payment, which raises an alert of its own)."""
    if link.paid - link.refunded - held.total != refundable:
        return ""
    language = get_language()
    return _("%(paid)s paid − %(refunded)s refunded − %(held)s held") % {
        "paid": link.paid.format(language),
        "refunded": link.refunded.format(language),
        "held": held.total.format(language),
    }


def invoice_rows(
    invoices: list[BillingInvoice],
    *,
    hits: dict[int, SearchHits],
    search: str,
    held: Mapping[int, HeldMoney] | None = None,
    disputes: Mapping[int, list[Dispute]] | None = None,
) -> list[InvoiceRow]:
    """`held`: held money by payment link id (refunds.selectors.held_money_of_links, one query for the page)."""
    language = get_language()
    held = held or {}
    disputes = disputes or {}
    detail_url = reverse("backoffice:invoice_detail", args=[_ID_MARK])
    rows = []
    for invoice in invoices:
        link: PaymentLink | None = getattr(invoice, "payment_link", None)
        hit = hits.get(invoice.pk)
        rows.append(
            InvoiceRow(
                number=invoice.number,
                number_marked=mark_matches(invoice.number, search),
                bill_to_marked=mark_matches(invoice.buyer.company_name, search),
                other_hits=tuple((label, mark_matches(value, search)) for label, value in hit.others) if hit else (),
                issue_date=invoice.issue_date.strftime("%Y-%m-%d"),
                due_date=invoice.due_date.strftime("%Y-%m-%d"),
                amount=invoice.billing_amount.format(language),
                amount_matched=bool(hit and hit.amount),
                refunded=link.refunded.format(language) if link and link.amount_refunded else "",
                held=held_lines(held.get(link.pk)) if link else (),
                payment_method=str(invoice.get_payment_method_display()),
                status=link_status_badge(link),
                detail_url=detail_url.replace(str(_ID_MARK), str(invoice.pk)),
                disputed=dispute_lines(disputes.get(link.pk)) if link else (),
            )
        )
    return rows


@dataclass(frozen=True)
class HistoryRow:
    when: str
    kind: str
    amount: str  # "" without an amount
    status: str
    stripe_reference: str
    actor: str
    message: str


def history_rows(transactions: list[PaymentTransaction]) -> list[HistoryRow]:
    language = get_language()
    return [
        HistoryRow(
            when=moment_text(row.created_at, "seconds"),
            kind=str(row.get_kind_display()),
            amount=money.format(language) if (money := row.money) is not None else "",
            status=render_status(row),
            stripe_reference=row.stripe_reference,
            actor=row.actor,
            message=render_message(row),
        )
        for row in transactions
    ]
