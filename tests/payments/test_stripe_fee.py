"""Stripe's processing fee is recorded with the payment, from the charge's balance transaction; a payment known
only by its webhook gets it from a job that asks Stripe after the payment is recorded."""

import json
from typing import Any

import pytest
import stripe
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.devtools.test_cards import pay_with_test_card
from invoicedesk.payments import services
from invoicedesk.payments.fees import payment_fee_fetch
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.payments.tasks import fetch_payment_fee
from invoicedesk.payments.webhooks import on_payment_intent_succeeded
from invoicedesk.stripe_integration import gateway
from invoicedesk.stripe_integration.gateway import payment_intent_from_dict
from invoicedesk.stripe_integration.handlers import WebhookEvent
from tests import factories
from tests.stripe_support import payment_intent_object, stripe_http_client

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


class _NoBalanceTransactionYet(stripe.RequestsClient):
    """Stripe's answers while the charge has no balance transaction yet (`balance_transaction: null`)."""

    name = "no-balance-transaction"

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        body, status, response_headers = super().request(method, url, headers, post_data, **kwargs)
        data = json.loads(body)
        if isinstance(data.get("latest_charge"), dict):
            data["latest_charge"]["balance_transaction"] = None
        return json.dumps(data), status, response_headers


def _paid_at_stripe(org: Organization) -> tuple[BillingInvoice, dict[str, Any]]:
    """An invoice paid at Stripe (with a fee on its charge), and the PaymentIntent as its webhook carries it: the
    charge an id, not expanded, so no fee."""
    invoice = factories.invoice(org, amount=110_000)
    intent = services.payment_intent_for_link(link=invoice.payment_link)
    pay_with_test_card(payment_intent_id=intent.id)
    payload = gateway.stripe_client().v1.payment_intents.retrieve(intent.id).to_dict()
    charge = payload["latest_charge"]
    # Stripe's webhook carries the charge as an id (localstripe expands it, with the balance transaction as an id).
    payload["latest_charge"] = charge["id"] if isinstance(charge, dict) else charge
    return invoice, payload


def _webhook(payload: dict[str, Any]) -> WebhookEvent:
    return WebhookEvent(
        id="evt_fee_1",
        type="payment_intent.succeeded",
        created=timezone.now(),
        account=None,
        object=payload,
        payload={"data": {"object": payload}},
    )


@pytest.mark.django_db(transaction=True)
def test_a_payment_known_only_by_webhook_gets_its_fee_from_the_balance_transaction(
    org: Organization, stripe_server_with_fees: LocalStripe
) -> None:
    invoice, payload = _paid_at_stripe(org)
    on_payment_intent_succeeded(_webhook(payload))  # the fee job runs at the commit (tests/worker.py)
    link = PaymentLink.objects.get(invoice=invoice)
    assert link.status == PaymentLinkStatus.PAID
    assert (link.stripe_fee, link.stripe_fee_currency) == (3_960, "JPY")  # 3.6 % of 110,000
    assert link.stripe_balance_transaction_id.startswith("txn_")


@pytest.mark.django_db(transaction=True)
def test_a_fee_not_at_stripe_yet_or_stripe_unreachable_never_blocks_the_payment(
    org: Organization, stripe_server_with_fees: LocalStripe, settings: Any
) -> None:
    invoice, payload = _paid_at_stripe(org)
    with stripe_http_client(_NoBalanceTransactionYet()):
        on_payment_intent_succeeded(_webhook(payload))
        link = PaymentLink.objects.get(invoice=invoice)
        assert (link.status, link.stripe_fee) == (PaymentLinkStatus.PAID, None)  # recorded; the fee unknown for now
        assert payment_fee_fetch(link_id=link.pk) is False  # the follow-up job will ask again

    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: whether Stripe has it is unknown
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    fetch_payment_fee.call(link.pk)  # logs and tries again later; never raises
    assert PaymentLink.objects.get(pk=link.pk).stripe_fee is None

    settings.STRIPE_API_BASE = stripe_server_with_fees.url
    fetch_payment_fee.call(link.pk, 2)  # the follow-up finds it
    assert PaymentLink.objects.get(pk=link.pk).stripe_fee == 3_960
