"""Stripe's processing fee is recorded with the payment, from the charge's balance transaction."""

import pytest

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments import services
from invoicedesk.payments.models import PaymentLink
from invoicedesk.stripe_integration.gateway import payment_intent_from_dict
from tests import factories
from tests.stripe_support import payment_intent_object

pytestmark = pytest.mark.django_db


def _charge(fee: int | None) -> dict[str, object]:
    # The shape Stripe documents for a charge with `balance_transaction` expanded (API reference: Balance
    # Transactions: fee, fee_details[{amount, currency, type}], currency).
    txn = None
    if fee is not None:
        txn = {
            "id": "txn_1Fee",
            "object": "balance_transaction",
            "amount": 110_000,
            "currency": "jpy",
            "fee": fee,
            "fee_details": [
                {"amount": fee, "currency": "jpy", "type": "stripe_fee", "description": "Stripe processing fees"}
            ],
            "net": 110_000 - fee,
        }
    return {
        "id": "ch_fee_1",
        "object": "charge",
        "status": "succeeded",
        "amount": 110_000,
        "created": 1_780_000_000,
        "currency": "jpy",
        "balance_transaction": txn if txn else "txn_1Fee",
    }


def _intent(invoice: BillingInvoice, charge: object) -> dict[str, object]:
    link = invoice.payment_link
    return payment_intent_object(
        intent_id="pi_fee_1",
        amount=invoice.amount,
        charge=charge,  # type: ignore[arg-type]
        metadata={
            "payment_link_id": str(link.pk),
            "invoice_id": str(invoice.pk),
            "organization_id": str(invoice.organization_id),
        },
    )


def _fee(invoice: BillingInvoice) -> int | None:
    return PaymentLink.objects.get(invoice=invoice).stripe_fee


def test_the_fee_of_the_charge_is_recorded_with_the_payment(org) -> None:
    invoice = factories.invoice(org, amount=110_000)
    services.payment_record_intent(intent=payment_intent_from_dict(_intent(invoice, _charge(3_960))))
    link = invoice.payment_link
    link.refresh_from_db()
    assert (link.stripe_fee, link.stripe_fee_currency, link.stripe_balance_transaction_id) == (3_960, "JPY", "txn_1Fee")


def test_a_webhook_without_the_fee_leaves_it_unknown_and_the_return_page_fills_it_in(org) -> None:
    invoice = factories.invoice(org, amount=110_000)
    services.payment_record_intent(intent=payment_intent_from_dict(_intent(invoice, "ch_fee_1")))
    assert _fee(invoice) is None
    services.payment_record_intent(intent=payment_intent_from_dict(_intent(invoice, _charge(3_960))))
    assert _fee(invoice) == 3_960
    # A later answer never overwrites what was recorded.
    services.payment_record_intent(intent=payment_intent_from_dict(_intent(invoice, _charge(1))))
    assert _fee(invoice) == 3_960


def test_localstripe_answers_a_balance_transaction_with_no_fee(paid_invoice: BillingInvoice) -> None:
    # localstripe creates a balance transaction per charge but charges no fee: 0 is what it says, recorded as such.
    link = paid_invoice.payment_link
    assert link.stripe_fee == 0
    assert link.stripe_balance_transaction_id.startswith("txn_")
