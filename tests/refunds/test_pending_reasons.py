"""Pending refunds in words (issue 20, item 5): Stripe's `pending_reason` is stored, shown (en/ja) on the refund and
the detail page, and `insufficient_funds` raises an alert.

localstripe answers every refund `succeeded`; `StripeLike.new_refund_fields` makes Stripe's answer (and every later
one) carry `pending` with a `pending_reason`, as Stripe documents it, at the SDK's http_client boundary.
"""

import html
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Role, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.history import render_message
from invoicedesk.payments.models import PaymentLink, TransactionKind
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.outcomes import refunds_sync_payment
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.stripe_support import StripeLike, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = "the Stripe account's balance is not enough; Stripe will take it from the bank account"


@pytest.fixture
def stripe_like(stripe_server: Any) -> Any:
    client = StripeLike()
    with stripe_http_client(client):
        yield client


def page(client: Client, path: str) -> str:
    return html.unescape(client.get(path).content.decode())


def ask(invoice: BillingInvoice, amount: int) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=RefundClassification.PARTIAL,
        idempotency_key=uuid.uuid4(),
    )


def test_the_gateway_reads_stripes_pending_reason() -> None:
    info = gateway.refund_from_dict(
        {"id": "re_1", "status": "pending", "amount": 100, "currency": "jpy", "pending_reason": "charge_pending"}
    )
    assert info.pending_reason == "charge_pending"
    assert (
        gateway.refund_from_dict({"id": "re_2", "status": "succeeded", "amount": 1, "currency": "jpy"}).pending_reason
        is None
    )


def test_insufficient_funds_is_said_in_words_alerted_once_and_cleared_when_it_succeeds(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    operator_client: Client,
    stripe_like: StripeLike,
    login: Callable[[User], Client],
) -> None:
    stripe_like.new_refund_fields = {"status": "pending", "pending_reason": "insufficient_funds"}
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 30_000))
    refund.refresh_from_db()
    assert (refund.status, refund.pending_reason) == (RefundStatus.PENDING, "insufficient_funds")
    link = PaymentLink.objects.get(invoice=paid_invoice)
    assert refundable_amount(link).amount == 80_000  # still reserved
    alert = Alert.objects.get()
    assert (alert.kind, alert.subject) == (AlertKind.REFUND_PENDING_INSUFFICIENT_FUNDS, refund.stripe_refund_id)
    rows = [render_message(row) for row in link.transactions.filter(kind=TransactionKind.REFUND_UPDATE)]
    assert any(WORDS in row for row in rows)

    detail = f"/billing/invoices/{paid_invoice.pk}/"
    assert f"Stripe accepted the refund of ¥30,000; waiting: {WORDS}." in page(operator_client, detail)
    transactions = page(operator_client, detail + "?tab=transactions")
    assert 'data-testid="pending-reason"' in transactions and WORDS in transactions
    assert WORDS in page(operator_client, "/billing/refunds/")
    japanese = login(factories.member(paid_invoice.organization, Role.OPERATOR, email="ja@example.test", language="ja"))
    assert "Stripeアカウントの残高が不足" in page(japanese, detail)

    refunds_sync_payment(link_id=link.pk)  # the same news again: nothing new
    assert Alert.objects.count() == 1
    assert link.transactions.filter(kind=TransactionKind.REFUND_UPDATE).count() == len(rows)

    stripe_like.later[refund.stripe_refund_id] = {"status": "succeeded", "pending_reason": None}
    refunds_sync_payment(link_id=link.pk)
    refund.refresh_from_db()
    assert (refund.status, refund.pending_reason) == (RefundStatus.SUCCEEDED, "")
    after = page(operator_client, detail + "?tab=transactions")
    assert 'data-testid="pending-reason"' not in after and 'data-testid="refund-in-flight"' not in after


def test_a_pending_refund_whose_reason_changes_is_recorded_again(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    stripe_like.new_refund_fields = {"status": "pending", "pending_reason": "processing"}
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    refund.refresh_from_db()
    assert refund.pending_reason == "processing"
    assert not Alert.objects.exists()  # only a balance too low is alerted
    stripe_like.later[refund.stripe_refund_id] = {"status": "pending", "pending_reason": "insufficient_funds"}
    refunds_sync_payment(link_id=refund.payment_link_id)
    refund.refresh_from_db()
    assert (refund.status, refund.pending_reason) == (RefundStatus.PENDING, "insufficient_funds")
    assert Alert.objects.get().kind == AlertKind.REFUND_PENDING_INSUFFICIENT_FUNDS
    assert Refund.objects.count() == 1
