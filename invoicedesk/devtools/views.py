"""The buyer's pay page in test mode (localstripe): a clearly marked card form instead of Stripe.js.

Routed only when settings.STRIPE_TEST_CARD_FORM is on at start-up (see invoicedesk/urls.py);
the page itself is payments' own view, given this form to show.
"""

from __future__ import annotations

import logging
from contextlib import suppress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from invoicedesk.payments import services as payment_services
from invoicedesk.payments import stripe_gateway as gateway
from invoicedesk.payments import views as payment_views
from invoicedesk.payments.selectors import payment_link_by_token

from .forms import TestCardForm
from .test_cards import pay_with_test_card

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
def test_mode_pay(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.STRIPE_TEST_CARD_FORM:
        return payment_views.pay(request, token)
    form = TestCardForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return payment_views.pay(request, token, card_form=form)
    link = payment_link_by_token(token=token)
    if payment_services.payment_link_unavailable_reason(link) is not None:
        return payment_views.pay(request, token, card_form=form)
    account = link.invoice.organization.stripe_account_id or None
    intent: gateway.PaymentIntentInfo | None = None
    try:
        intent = payment_services.payment_intent_for_link(link=link)
        if intent.status in ("requires_payment_method", "requires_confirmation"):
            pay_with_test_card(payment_intent_id=intent.id, stripe_account=account, **form.card())
    except gateway.StripeCardError as declined:
        if intent is not None:
            # localstripe cannot confirm a PaymentIntent again after a decline (Stripe can):
            # the next attempt starts on a fresh one.
            with suppress(gateway.StripeGatewayError):
                gateway.cancel_payment_intent(payment_intent_id=intent.id, stripe_account=account)
        return payment_views.pay(request, token, card_form=TestCardForm(), error=declined.message)
    except gateway.StripeGatewayError as failure:
        logger.warning("test card payment for link %s: %s", link.pk, failure)
        return payment_views.pay(request, token, card_form=form)
    return redirect("payments:pay_return", token=token)
