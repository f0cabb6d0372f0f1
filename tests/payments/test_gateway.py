"""The Stripe gateway against a real localstripe process, and faults injected at the SDK's http_client."""

from typing import Any

import pytest

from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.devtools.test_cards import pay_with_test_card
from invoicedesk.stripe_integration import gateway
from tests.stripe_support import FaultyHTTPClient, stripe_http_client


def _intent(**overrides: Any) -> gateway.PaymentIntentInfo:
    params: dict[str, Any] = {
        "amount": 110_000,
        "currency": "JPY",
        "metadata": {"invoice_number": "INV-2026-0001", "payment_link_id": "7"},
        "idempotency_key": "payment-link-7-abc",
    }
    params.update(overrides)
    return gateway.create_payment_intent(**params)


def test_create_retrieve_and_pay_with_a_test_card(stripe_server: LocalStripe) -> None:
    created = _intent()
    assert created.id.startswith("pi_")
    assert (created.amount, created.currency, created.status) == (110_000, "JPY", "requires_payment_method")
    assert created.metadata["invoice_number"] == "INV-2026-0001"
    assert created.client_secret

    paid = pay_with_test_card(
        payment_intent_id=created.id, number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    assert paid.succeeded
    assert paid.amount_received == 110_000
    assert paid.latest_charge_id is not None and paid.latest_charge_id.startswith("ch_")
    again = gateway.retrieve_payment_intent(payment_intent_id=created.id)
    assert again.succeeded and again.latest_charge_id == paid.latest_charge_id


def test_declined_card_raises_card_error_with_stripes_message(stripe_server: LocalStripe) -> None:
    intent = _intent()
    with pytest.raises(gateway.StripeCardError) as caught:
        pay_with_test_card(
            payment_intent_id=intent.id, number="4000000000000341", exp_month=12, exp_year=2030, cvc="123"
        )
    assert caught.value.code == "card_declined"
    assert "declined" in caught.value.message
    assert gateway.retrieve_payment_intent(payment_intent_id=intent.id).status == "requires_payment_method"


def test_refund_round_trip_shows_on_the_charge(stripe_server: LocalStripe) -> None:
    intent = _intent()
    paid = pay_with_test_card(
        payment_intent_id=intent.id, number="4242424242424242", exp_month=1, exp_year=2031, cvc="123"
    )
    refund = gateway.create_refund(
        payment_intent_id=intent.id, amount=22_000, metadata={"refund_id": "1"}, idempotency_key="refund-1"
    )
    assert (refund.status, refund.amount, refund.currency, refund.payment_intent_id) == (
        "succeeded",
        22_000,
        "JPY",
        intent.id,
    )
    assert paid.latest_charge_id is not None
    assert gateway.retrieve_charge_amount_refunded(charge_id=paid.latest_charge_id) == 22_000


def test_test_card_form_is_refused_against_real_stripe(settings: Any) -> None:
    settings.STRIPE_TEST_CARD_FORM = False
    settings.STRIPE_SECRET_KEY = "sk_live_123"
    with pytest.raises(gateway.StripeGatewayError, match="only accepted in test mode"):
        pay_with_test_card(payment_intent_id="pi_x", number="4242424242424242", exp_month=1, exp_year=2031, cvc="123")


@pytest.mark.parametrize(
    ("fault", "error", "code"),
    [
        ("timeout", gateway.StripeUnavailable, "unavailable"),
        ((500, {"error": {"type": "api_error", "message": "boom"}}), gateway.StripeUnavailable, "api_error"),
        (
            (400, {"error": {"type": "invalid_request_error", "code": "amount_too_small", "message": "Too small"}}),
            gateway.StripeGatewayError,
            "amount_too_small",
        ),
        (
            (402, {"error": {"type": "card_error", "code": "expired_card", "message": "Your card has expired."}}),
            gateway.StripeCardError,
            "expired_card",
        ),
    ],
)
def test_faults_become_our_exceptions(
    stripe_server: LocalStripe, fault: Any, error: type[gateway.StripeGatewayError], code: str
) -> None:
    client = FaultyHTTPClient(fail=lambda method, url: fault)
    with stripe_http_client(client), pytest.raises(error) as caught:
        _intent()
    assert caught.value.code == code
    assert caught.type is error
    assert caught.value.message


def test_connect_account_is_sent_on_every_call(stripe_server: LocalStripe) -> None:
    seen: list[dict[str, str]] = []

    class Recording(FaultyHTTPClient):
        def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
            seen.append(dict(headers))
            return super().request(method, url, headers, post_data, **kwargs)

    with stripe_http_client(Recording(fail=lambda m, u: None)):
        intent = _intent(stripe_account="acct_123")
        gateway.retrieve_payment_intent(payment_intent_id=intent.id, stripe_account="acct_123")
    assert len(seen) == 2
    assert all(h.get("Stripe-Account") == "acct_123" for h in seen)
    assert seen[0].get("Idempotency-Key") == "payment-link-7-abc"


@pytest.mark.parametrize(
    "charge",
    [
        "ch_123",
        {
            "id": "ch_123",
            "object": "charge",
            "status": "succeeded",
            "amount": 5000,
            "captured": True,
            "created": 1790000000,
        },
    ],
)
def test_latest_charge_may_be_an_id_or_an_expanded_object(charge: Any) -> None:
    info = gateway.payment_intent_from_dict(
        {
            "id": "pi_1",
            "amount": 5000,
            "currency": "jpy",
            "status": "succeeded",
            "latest_charge": charge,
            "amount_received": 5000,
        }
    )
    assert info.latest_charge_id == "ch_123"
    assert info.amount_received == 5000 and info.currency == "JPY"


def test_amount_received_falls_back_to_the_captured_charge() -> None:
    info = gateway.payment_intent_from_dict(
        {
            "id": "pi_1",
            "amount": 5000,
            "currency": "jpy",
            "status": "succeeded",
            "latest_charge": {"id": "ch_1", "status": "succeeded", "captured": True, "amount": 4000},
        }
    )
    assert info.amount_received == 4000
