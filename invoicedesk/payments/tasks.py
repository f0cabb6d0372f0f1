"""The payments' tasks: Stripe's fee of a payment recorded from a webhook, fetched after it (payments.fees)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from invoicedesk.stripe_integration import gateway

from .fees import payment_fee_fetch

logger = logging.getLogger(__name__)

# Stripe makes a card charge's balance transaction with the charge; other methods (and a slow Stripe) may take
# longer. After these, reconciliation (reconcile_stripe, nightly) compares the fee and records it.
FEE_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))


@task()
def fetch_payment_fee(link_id: int, attempt: int = 1) -> None:
    try:
        done = payment_fee_fetch(link_id=link_id)
    except gateway.StripeGatewayError as error:
        # Unknown for now, never in anyone's way: the payment and its refunds work without the fee.
        logger.warning("fee of payment link %s not fetched (attempt %d): %s", link_id, attempt, error.message)
        done = False
    if done or attempt > len(FEE_RETRY_DELAYS) or not fetch_payment_fee.get_backend().supports_defer:
        return
    delay = FEE_RETRY_DELAYS[attempt - 1]
    fetch_payment_fee.using(run_after=timezone.now() + delay).enqueue(link_id, attempt + 1)
