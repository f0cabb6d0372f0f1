"""Request and response bodies. Amounts are integers of the currency's minor unit (JPY 22000 is ¥22,000)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, StrictStr

from invoicedesk.alerts.models import Alert
from invoicedesk.audit.models import AuditEntry
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.models import MAX_ID
from invoicedesk.core.money import MAX_AMOUNT, Money
from invoicedesk.payments.history import render_message, render_status
from invoicedesk.payments.models import PaymentLink, PaymentTransaction
from invoicedesk.refunds.controls import HoldReason
from invoicedesk.refunds.models import Refund, RefundStatus

RefundStatusName = Literal[
    "PENDING_APPROVAL", "PROCESSING", "PENDING", "SUCCEEDED", "FAILED", "CANCELED", "REJECTED", "EXPIRED"
]
LinkStatusName = Literal["UNPAID", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "EXPIRED", "CANCELED"]
PaymentMethodName = Literal["online_payment_link", "bank_transfer", "card_at_order"]
ReasonName = Literal["requested_by_customer", "duplicate", "fraudulent"]


class MoneyOut(Schema):
    amount: int = Field(description="In the currency's minor unit.")
    currency: str = Field(description="ISO 4217, upper case.")


def money_out(value: Money) -> MoneyOut:
    return MoneyOut(amount=value.amount, currency=value.currency)


class BuyerOut(Schema):
    company_name: str
    contact_name: str
    email: str


class InvoiceOut(Schema):
    id: int
    number: str
    bill_to: BuyerOut
    issue_date: date
    due_date: date
    billing_amount: MoneyOut
    payment_method: PaymentMethodName
    payment_link_status: LinkStatusName | None


class PaymentLinkOut(Schema):
    id: int
    invoice_id: int
    status: LinkStatusName
    url: str = Field(description="The buyer's pay page.")
    expires_at: datetime
    paid: MoneyOut | None
    refunded: MoneyOut | None
    paid_at: datetime | None


class HoldReasonOut(Schema):
    code: Literal["always", "payment_amount", "payment_share", "daily_limit", "daily_limit_currency"]
    message: str


class RefundOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    amount: MoneyOut
    classification: Literal["FULL", "PARTIAL"] = Field(description="What is true of the refund as recorded.")
    reason: ReasonName | None
    memo: str
    status: RefundStatusName
    final: bool = Field(description="True once the status will not change any more (but see docs/api.md).")
    awaiting_stripe: bool = Field(description="Stripe's answer is not known yet; the amount stays reserved.")
    source: Literal["app", "stripe_dashboard"]
    requested_by: str | None
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str
    hold_reasons: list[HoldReasonOut] = Field(
        description="Why the organization's approval policy held it (judged on the whole payment and the "
        'requester\'s day), e.g. payment_amount: "With this refund ¥149,998 of ¥165,000 will have been returned…".'
    )
    stripe_refund_id: str | None
    failure: dict[str, Any] | None = Field(
        description="When Stripe refused it: {code: stripe_error, message, details: {stripe_code, stripe_message}}."
    )
    succeeded_at: datetime | None
    updated_at: datetime


class HistoryRowOut(Schema):
    id: int
    kind: str
    time: datetime
    amount: MoneyOut | None
    status: str
    status_label: str = Field(description="The status in the reader's language.")
    stripe_reference: str
    actor: str
    message: str


class InvoiceDetailOut(InvoiceOut):
    payment_link: PaymentLinkOut | None
    refundable: MoneyOut | None = Field(description="The Refundable Amount, when the invoice was paid by its link.")
    payment_state: str | None = Field(
        description="The payment's state (also the response's ETag): send it as `If-Match` with a refund, which is "
        "then refused with 412 `payment_changed` if the payment changed in between."
    )
    refunds: list[RefundOut]
    history: list[HistoryRowOut] = Field(description="The Payment Transaction history, newest first.")


class InvoicePageOut(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None = Field(description="Pass as `cursor` (with the same filters) for the next page.")


class RefundPageOut(Schema):
    items: list[RefundOut]
    next_cursor: str | None


# Request bodies take JSON's own types only (StrictInt, StrictStr): `true` is no amount (it made a ¥1 refund), nor
# are "100" or 100.0; each is refused with 422 naming the field. Text refuses NUL, which PostgreSQL cannot store,
# and a lone surrogate ("\ud800"), which is no text at all (pydantic refuses it when matching the pattern).
NO_NUL = r"^[^\x00]*$"


class RefundCreateIn(Schema):
    invoice_id: StrictInt = Field(ge=1, le=MAX_ID)
    amount: StrictInt = Field(
        ge=1, le=MAX_AMOUNT, description='The amount to return, in minor units: a JSON integer (not 100.0 or "100").'
    )
    currency: StrictStr = Field(
        min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$", description="Must be the payment's currency."
    )
    # A Literal takes its exact values only, already.
    classification: Literal["FULL", "PARTIAL"] = Field(
        description="FULL exactly when the amount is the whole Refundable Amount."
    )
    reason: ReasonName | None = None
    memo: StrictStr = Field("", max_length=2000, pattern=NO_NUL, description="Internal; never sent to the buyer.")
    expected_refundable: StrictInt | None = Field(
        None,
        ge=0,
        le=999_999_999_999,
        description="The Refundable Amount you decided on (minor units): if it is no longer that, the refund is "
        "refused with 412 `payment_changed`.",
    )
    confirm_repeat: StrictBool = Field(
        False,
        description="Required when a refund of the same amount was requested on this payment in the last 24 hours "
        "(otherwise 409 `possible_duplicate`).",
    )


class DecisionIn(Schema):
    comment: StrictStr = Field("", max_length=2000, pattern=NO_NUL)


class AlertOut(Schema):
    id: int
    kind: str
    subject: str
    invoice_id: int | None
    amount: MoneyOut | None
    detail: str
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AlertPageOut(Schema):
    items: list[AlertOut]
    next_cursor: str | None


class AuditEntryOut(Schema):
    id: int
    action: str
    actor: str | None
    object_type: str
    object_id: str
    before: dict[str, Any]
    after: dict[str, Any]
    ip_address: str | None
    created_at: datetime


class AuditPageOut(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None


# ---------------------------------------------------------------- from our records


def invoice_out(invoice: BillingInvoice) -> dict[str, Any]:
    link: PaymentLink | None = getattr(invoice, "payment_link", None)
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "bill_to": {
            "company_name": invoice.buyer.company_name,
            "contact_name": invoice.buyer.contact_name,
            "email": invoice.buyer.email,
        },
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "billing_amount": {"amount": invoice.amount, "currency": invoice.currency},
        "payment_method": invoice.payment_method,
        "payment_link_status": link.status if link is not None else None,
    }


def payment_link_out(link: PaymentLink, *, url: str) -> dict[str, Any]:
    settled = link.is_settled
    return {
        "id": link.pk,
        "invoice_id": link.invoice_id,
        "status": link.status,
        "url": url,
        "expires_at": link.expires_at,
        "paid": {"amount": link.amount_paid, "currency": link.currency} if settled else None,
        "refunded": {"amount": link.amount_refunded, "currency": link.currency} if settled else None,
        "paid_at": link.paid_at,
    }


def refund_out(refund: Refund) -> dict[str, Any]:
    status = RefundStatus(refund.status)
    failure = None
    if status == RefundStatus.FAILED:
        failure = {
            "code": "stripe_error",
            "message": refund.failure_message,
            "details": {"stripe_code": refund.failure_code, "stripe_message": refund.failure_message},
        }
    invoice = refund.payment_link.invoice
    return {
        "id": refund.pk,
        "invoice_id": invoice.pk,
        "invoice_number": invoice.number,
        "amount": {"amount": refund.amount, "currency": refund.currency},
        "classification": refund.classification,
        "reason": refund.reason or None,
        "memo": refund.memo,
        "status": status.value,
        "final": status.is_final,
        "awaiting_stripe": refund.stripe_unconfirmed_since is not None,
        "source": refund.source,
        "requested_by": refund.requested_by.email if refund.requested_by else None,
        "requested_at": refund.requested_at,
        "decided_by": refund.decided_by.email if refund.decided_by else None,
        "decided_at": refund.decided_at,
        "decision_comment": refund.decision_comment,
        "hold_reasons": [
            {"code": reason.code, "message": reason.text()} for reason in map(HoldReason.from_json, refund.hold_reasons)
        ],
        "stripe_refund_id": refund.stripe_refund_id or None,
        "failure": failure,
        "succeeded_at": refund.succeeded_at,
        "updated_at": refund.updated_at,
    }


def history_row_out(row: PaymentTransaction) -> dict[str, Any]:
    return {
        "id": row.pk,
        "kind": row.kind,
        "time": row.created_at,
        "amount": {"amount": row.amount, "currency": row.currency} if row.amount is not None else None,
        "status": row.status,
        "status_label": render_status(row),
        "stripe_reference": row.stripe_reference,
        "actor": row.actor,
        "message": render_message(row),
    }


def alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "subject": alert.subject,
        "invoice_id": alert.invoice_id,
        "amount": {"amount": alert.amount, "currency": alert.currency} if alert.money is not None else None,
        "detail": alert.detail,
        "created_at": alert.created_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by.email if alert.acknowledged_by else None,
    }


def audit_entry_out(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "action": entry.action,
        "actor": entry.actor.email if entry.actor else None,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "ip_address": entry.ip_address,
        "created_at": entry.created_at,
    }
