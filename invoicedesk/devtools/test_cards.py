"""Test mode only: paying a PaymentIntent with one of Stripe's test cards (the demo data, the test card form).

Against localstripe the number becomes a PaymentMethod. Stripe itself takes
card numbers only through Stripe.js, so in its test mode the number picks one
of Stripe's test PaymentMethods instead; live keys are refused.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from django.conf import settings

from invoicedesk.payments import services as payment_services
from invoicedesk.payments.models import PaymentLink
from invoicedesk.stripe_integration import gateway

logger = logging.getLogger(__name__)

# Stripe's test-mode PaymentMethods for the test card numbers we use.
STRIPE_TEST_PAYMENT_METHODS = {
    "4242424242424242": "pm_card_visa",
    "4000000000000341": "pm_card_chargeDeclined",
}
TEST_CARD_NUMBER = "4242424242424242"
DECLINED_CARD_NUMBER = "4000000000000341"


def pay_with_test_card(
    *,
    payment_intent_id: str,
    number: str = TEST_CARD_NUMBER,
    exp_month: int = 12,
    exp_year: int = 2030,
    cvc: str = "123",
    stripe_account: str | None = None,
) -> gateway.PaymentIntentInfo:
    options = {"stripe_account": stripe_account} if stripe_account else {}
    client = gateway.stripe_client()
    if not settings.STRIPE_TEST_CARD_FORM:
        if not settings.STRIPE_SECRET_KEY.startswith("sk_test_") or number not in STRIPE_TEST_PAYMENT_METHODS:
            raise gateway.StripeGatewayError("Test cards are only accepted in test mode.", code="not_test_mode")
        with gateway.translated_errors("test payment"):
            client.v1.payment_intents.confirm(
                payment_intent_id,
                params={"payment_method": STRIPE_TEST_PAYMENT_METHODS[number]},
                options=options,  # type: ignore[arg-type]
            )
        return gateway.retrieve_payment_intent(payment_intent_id=payment_intent_id, stripe_account=stripe_account)
    with gateway.translated_errors("test card payment"):
        method = client.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc},
            },
            options=options,  # type: ignore[arg-type]
        )
        client.v1.payment_intents.update(
            payment_intent_id,
            params={"payment_method": method.id},
            options=options,  # type: ignore[arg-type]
        )
        client.v1.payment_intents.confirm(payment_intent_id, options=options)  # type: ignore[arg-type]
    return gateway.retrieve_payment_intent(payment_intent_id=payment_intent_id, stripe_account=stripe_account)


def pay_link_with_test_card(*, link: PaymentLink, number: str, exp_month: int, exp_year: int, cvc: str) -> str | None:
    """The test card form's payment of a link's PaymentIntent. None when paid, else the message for the buyer."""
    account = link.stripe_account
    intent: gateway.PaymentIntentInfo | None = None
    try:
        intent = payment_services.payment_intent_for_link(link=link)
        if intent.status in ("requires_payment_method", "requires_confirmation"):
            pay_with_test_card(
                payment_intent_id=intent.id,
                number=number,
                exp_month=exp_month,
                exp_year=exp_year,
                cvc=cvc,
                stripe_account=account,
            )
    except gateway.StripeCardError as declined:
        if intent is not None:
            # localstripe cannot confirm a PaymentIntent again after a decline (Stripe can):
            # the next attempt starts on a fresh one.
            with suppress(gateway.StripeGatewayError):
                gateway.cancel_payment_intent(payment_intent_id=intent.id, stripe_account=account)
        return declined.message
    except gateway.StripeGatewayError as failure:
        logger.warning("test card payment for link %s: %s", link.pk, failure)
        return ""
    return None
