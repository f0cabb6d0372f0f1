"""The buyer's pay page in test mode (localstripe): a clearly marked card form instead of Stripe.js.

Routed only when settings.STRIPE_TEST_CARD_FORM is on at start-up (see invoicedesk/urls.py);
the page itself is payments' own view, given this form to show.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from invoicedesk.payments import services as payment_services
from invoicedesk.payments import views as payment_views
from invoicedesk.payments.selectors import payment_link_by_token

from .forms import TestCardForm
from .test_cards import pay_link_with_test_card


@require_http_methods(["GET", "POST"])
@payment_views.buyers_language
def test_mode_pay(request: HttpRequest, token: str) -> HttpResponse:
    if not settings.STRIPE_TEST_CARD_FORM:
        return payment_views.pay(request, token)
    form = TestCardForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return payment_views.pay(request, token, card_form=form)
    link = payment_link_by_token(token=token)
    if payment_services.payment_link_unavailable_reason(link) is not None:
        return payment_views.pay(request, token, card_form=form)
    declined = pay_link_with_test_card(link=link, **form.card())
    if declined is None:
        return redirect("payments:pay_return", token=token)
    # A decline starts over with an empty form; Stripe being unreachable shows the pay page's own message.
    return payment_views.pay(request, token, card_form=TestCardForm(), error=declined or None)
