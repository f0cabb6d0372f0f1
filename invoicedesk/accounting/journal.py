"""Journal entries (仕訳) of one organization over a period: payments received through Stripe, Stripe's processing
fee of each, refunds (ours and those made outside invoicedesk) per consumption tax rate, and refunds that failed
after they had succeeded (reversed). Built lazily from database iterators: a year of refunds streams in constant
memory. A dispute lost (the buyer's bank kept the money) is its own entry, dated when it was recorded as lost.

Every entry balances: its lines each carry a debit and a credit of the same amount.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.documents.models import DocumentKind, RefundDocument
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Dispute, DisputeStatus, Refund, RefundStatus
from invoicedesk.refunds.tax_split import RatePart, split_of_refund

from .models import AccountingSettings

CHUNK = 500


class EntryKind(StrEnum):
    PAYMENT = "payment"
    FEE = "fee"
    REFUND = "refund"
    REFUND_REVERSED = "refund_reversed"
    DISPUTE_LOST = "dispute_lost"


@dataclass(frozen=True)
class Side:
    account: str
    sub_account: str
    tax_category: str
    amount: int
    # The consumption tax within `amount` (tax included) or on it (tax excluded); None where none applies.
    tax: int | None = None


@dataclass(frozen=True)
class JournalLine:
    debit: Side
    credit: Side
    rate: int | None = None  # the consumption tax rate the line is about, if any


@dataclass(frozen=True)
class JournalEntry:
    kind: EntryKind
    moment: datetime
    day: date  # in the organization's time zone
    currency: str
    lines: tuple[JournalLine, ...]
    counterparty: str
    invoice_number: str
    document_number: str
    stripe_ids: tuple[str, ...]
    memo: str

    @property
    def debits(self) -> int:
        return sum(line.debit.amount for line in self.lines)

    @property
    def credits(self) -> int:
        return sum(line.credit.amount for line in self.lines)

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


def settings_of(organization: Organization) -> AccountingSettings:
    """The organization's settings, or the defaults (unsaved) when it never changed them."""
    found = AccountingSettings.objects.filter(organization=organization).first()
    return found or AccountingSettings(organization=organization)


def _stripe(books: AccountingSettings, amount: int) -> Side:
    return Side(books.stripe_account, books.stripe_sub_account, books.tax_category_outside, amount)


def _memo(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _payment_entries(link: PaymentLink, books: AccountingSettings, zone: ZoneInfo) -> Iterator[JournalEntry]:
    invoice = link.invoice
    buyer = invoice.buyer.company_name
    paid_at = link.paid_at or link.created_at  # settled links always have paid_at (a database constraint)
    day = timezone.localtime(paid_at, zone).date()
    ids = tuple(i for i in (link.stripe_payment_intent_id, link.stripe_charge_id) if i)
    receivable = Side(books.receivable_account, "", books.tax_category_outside, link.amount_paid)
    yield JournalEntry(
        kind=EntryKind.PAYMENT,
        moment=paid_at,
        day=day,
        currency=link.currency,
        lines=(JournalLine(debit=_stripe(books, link.amount_paid), credit=receivable),),
        counterparty=buyer,
        invoice_number=invoice.number,
        document_number="",
        stripe_ids=ids,
        memo=_memo("Stripeカード入金", invoice.number, buyer, *ids),
    )
    if link.stripe_fee:
        fee = Side(books.fee_account, "", books.tax_category_fee, link.stripe_fee, link.stripe_fee_tax or None)
        fee_ids = tuple(i for i in (link.stripe_charge_id, link.stripe_balance_transaction_id) if i)
        yield JournalEntry(
            kind=EntryKind.FEE,
            moment=paid_at,
            day=day,
            currency=link.stripe_fee_currency or link.currency,
            lines=(JournalLine(debit=fee, credit=_stripe(books, link.stripe_fee)),),
            counterparty="Stripe",
            invoice_number=invoice.number,
            document_number="",
            stripe_ids=fee_ids,
            memo=_memo("Stripe決済手数料", invoice.number, *fee_ids),
        )


def _parts(refund: Refund) -> tuple[list[RatePart], str]:
    """The refund's amounts per rate and the return invoice's number: what the return invoice states, so the books
    and the document agree; without one, the same split the document would have (refunds.tax_split)."""
    document = next((d for d in refund.documents.all() if d.kind == DocumentKind.RETURN_INVOICE), None)
    if document is not None:
        return [RatePart(rate=r, amount=a, tax=t) for r, a, t in document.amounts_by_rate], document.number
    return split_of_refund(refund), ""


def _return_lines(parts: list[RatePart], books: AccountingSettings, *, reverse: bool) -> tuple[JournalLine, ...]:
    lines: list[JournalLine] = []
    for part in parts:
        category = books.returns_tax_category(part.rate)
        if books.tax_included:
            pairs = [(Side(books.returns_account, "", category, part.amount, part.tax), part.amount)]
        else:
            net = part.amount - part.tax
            pairs = [(Side(books.returns_account, "", category, net, part.tax), net)]
            if part.tax:
                pairs.append((Side(books.tax_account, "", category, part.tax), part.tax))
        for returned, amount in pairs:
            stripe = _stripe(books, amount)
            debit, credit = (stripe, returned) if reverse else (returned, stripe)
            lines.append(JournalLine(debit=debit, credit=credit, rate=part.rate))
    return tuple(lines)


def _refund_entry(refund: Refund, books: AccountingSettings, zone: ZoneInfo, *, reverse: bool) -> JournalEntry:
    invoice = refund.payment_link.invoice
    buyer = invoice.buyer.company_name
    parts, document_number = _parts(refund)
    # Only refunds that succeeded are selected, so succeeded_at is set.
    moment = refund.updated_at if reverse else (refund.succeeded_at or refund.updated_at)
    ids = tuple(i for i in (refund.stripe_refund_id, refund.payment_link.stripe_payment_intent_id) if i)
    correction = next((d.number for d in refund.documents.all() if d.kind == DocumentKind.CORRECTION), "")
    label = "返金取消（返金失敗）" if reverse else ("返金（Stripe上）" if refund.source != "app" else "返金")
    return JournalEntry(
        kind=EntryKind.REFUND_REVERSED if reverse else EntryKind.REFUND,
        moment=moment,
        day=timezone.localtime(moment, zone).date(),
        currency=refund.currency,
        lines=_return_lines(parts, books, reverse=reverse),
        counterparty=buyer,
        invoice_number=invoice.number,
        document_number=correction if reverse and correction else document_number,
        stripe_ids=ids,
        memo=_memo(
            label,
            invoice.number,
            buyer,
            f"返還請求書 {document_number}" if document_number else "",
            f"訂正 {correction}" if reverse and correction else "",
            *ids,
            "" if reverse else "Stripe手数料は返還されない",
        ),
    )


def _dispute_lost_entry(dispute: Dispute, books: AccountingSettings, zone: ZoneInfo) -> JournalEntry:
    """The disputed amount Stripe took back for good: a loss (outside consumption tax) out of Stripe's funds."""
    invoice = dispute.payment_link.invoice
    buyer = invoice.buyer.company_name
    moment = dispute.lost_at or dispute.updated_at  # lost disputes have lost_at (migration 0012 dated the old)
    ids = tuple(i for i in (dispute.stripe_dispute_id, dispute.stripe_charge_id) if i)
    loss = Side(books.dispute_loss_account, "", books.tax_category_outside, dispute.amount)
    return JournalEntry(
        kind=EntryKind.DISPUTE_LOST,
        moment=moment,
        day=timezone.localtime(moment, zone).date(),
        currency=dispute.currency,
        lines=(JournalLine(debit=loss, credit=_stripe(books, dispute.amount)),),
        counterparty=buyer,
        invoice_number=invoice.number,
        document_number="",
        stripe_ids=ids,
        memo=_memo("チャージバック（異議申し立て敗訴）", invoice.number, buyer, *ids),
    )


def journal_entries(*, organization: Organization, period: Period) -> Iterator[JournalEntry]:
    """Every entry of the period, in time order."""
    zone = ZoneInfo(organization.time_zone)
    books = settings_of(organization)
    low, high = period.bounds(zone)
    links = (
        PaymentLink.objects.filter(
            invoice__organization=organization,
            status__in=PaymentLinkStatus.settled(),
            paid_at__gte=low,
            paid_at__lt=high,
        )
        .select_related("invoice__buyer")
        .order_by("paid_at", "id")
    )
    documents = Prefetch(
        "documents", queryset=RefundDocument.objects.only("id", "refund_id", "kind", "number", "amounts_by_rate")
    )
    refunds = Refund.objects.filter(organization=organization).select_related(
        "organization", "payment_link__invoice__buyer", "payment_link__invoice__organization"
    )
    succeeded = (
        refunds.filter(succeeded_at__gte=low, succeeded_at__lt=high)
        .order_by("succeeded_at", "id")
        .prefetch_related(documents)
    )
    # A refund that failed (or was canceled) after Stripe said it succeeded: reversed when it changed.
    reversed_ = (
        refunds.filter(
            succeeded_at__isnull=False,
            status__in=[RefundStatus.FAILED, RefundStatus.CANCELED],
            updated_at__gte=low,
            updated_at__lt=high,
        )
        .order_by("updated_at", "id")
        .prefetch_related(documents)
    )
    lost = (
        Dispute.objects.filter(organization=organization, status=DisputeStatus.LOST, lost_at__gte=low, lost_at__lt=high)
        .select_related("payment_link__invoice__buyer")
        .order_by("lost_at", "id")
    )
    payments = (entry for link in links.iterator(chunk_size=CHUNK) for entry in _payment_entries(link, books, zone))
    returns = (_refund_entry(r, books, zone, reverse=False) for r in succeeded.iterator(chunk_size=CHUNK))
    reversals = (_refund_entry(r, books, zone, reverse=True) for r in reversed_.iterator(chunk_size=CHUNK))
    losses = (_dispute_lost_entry(d, books, zone) for d in lost.iterator(chunk_size=CHUNK))
    yield from heapq.merge(payments, returns, reversals, losses, key=lambda entry: entry.moment)
