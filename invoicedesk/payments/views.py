from __future__ import annotations

import logging
from contextlib import suppress

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.core.errors import Forbidden, NotFound, ServiceError
from invoicedesk.core.tenancy import tenant_view

from . import services
from . import stripe_gateway as gateway
from .forms import TestCardForm
from .models import PaymentLink
from .selectors import payment_link_by_token

logger = logging.getLogger(__name__)


def _run_link_action(request: HttpRequest, invoice_id: int, action: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    service = services.payment_link_issue if action == "issue" else services.payment_link_cancel
    try:
        service(actor=membership, invoice_id=invoice_id)
    except NotFound:
        raise Http404 from None
    except Forbidden as error:
        raise PermissionDenied(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Payment link issued.") if action == "issue" else _("Payment link cancelled."))
    return redirect("billing:invoice_detail", invoice_id=invoice_id)


@require_POST
@tenant_view
def link_issue(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    return _run_link_action(request, invoice_id, "issue")


@require_POST
@tenant_view
def link_cancel(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    return _run_link_action(request, invoice_id, "cancel")


# ---------------------------------------------------------------- the buyer's pages (no login)


def _pay_context(link: PaymentLink, **extra: object) -> dict[str, object]:
    return {"link": link, "invoice": link.invoice, "seller": link.invoice.organization, **extra}


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, token: str) -> HttpResponse:
    link = payment_link_by_token(token=token)
    reason = services.payment_link_unavailable_reason(link)
    if reason is not None:
        if link.is_expired_at(timezone.now()):
            services.payment_link_expire(link_id=link.pk)
        return render(request, "payments/pay_unavailable.html", _pay_context(link, reason=reason), status=410)
    form = TestCardForm(request.POST or None) if settings.STRIPE_TEST_CARD_FORM else None
    account = link.invoice.organization.stripe_account_id or None
    error = None
    intent: gateway.PaymentIntentInfo | None = None
    try:
        intent = services.payment_intent_for_link(link=link)
        if request.method == "POST" and form is not None and form.is_valid():
            if intent.status in ("requires_payment_method", "requires_confirmation"):
                gateway.pay_with_test_card(payment_intent_id=intent.id, stripe_account=account, **form.card())
            return redirect("payments:pay_return", token=token)
    except gateway.StripeCardError as declined:
        error = declined.message
        if intent is not None:
            # localstripe cannot confirm a PaymentIntent again after a decline (Stripe can):
            # the next attempt starts on a fresh one.
            with suppress(gateway.StripeGatewayError):
                gateway.cancel_payment_intent(payment_intent_id=intent.id, stripe_account=account)
    except (gateway.StripeGatewayError, ServiceError) as failure:
        logger.warning("pay page for link %s: %s", link.pk, failure)
        error = _("Card payment is temporarily unavailable. Please try again in a few minutes.")
        intent = None
    return render(
        request,
        "payments/pay.html",
        _pay_context(
            link,
            intent=intent,
            form=form,
            error=error,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            return_url=request.build_absolute_uri(reverse("payments:pay_return", kwargs={"token": token})),
        ),
        status=503 if intent is None else 200,
    )


@require_GET
def pay_return(request: HttpRequest, token: str) -> HttpResponse:
    """Where the buyer lands after confirming: asks Stripe, records a success, states the result."""
    link = payment_link_by_token(token=token)
    intent = None
    if link.stripe_payment_intent_id:
        try:
            intent = gateway.retrieve_payment_intent(
                payment_intent_id=link.stripe_payment_intent_id,
                stripe_account=link.invoice.organization.stripe_account_id or None,
            )
        except gateway.StripeGatewayError as failure:
            logger.warning("return page for link %s: %s", link.pk, failure)
        else:
            if intent.succeeded:
                services.payment_record_intent(intent=intent)
                link.refresh_from_db()
    return render(request, "payments/pay_return.html", _pay_context(link, intent=intent))


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed events: verified on the raw body, stored once, processed by a task after commit."""
    try:
        event = gateway.parse_webhook(
            payload=request.body, signature_header=request.headers.get("Stripe-Signature", "")
        )
    except gateway.WebhookSignatureError as error:
        logger.warning("refused a Stripe webhook: %s", error)
        return HttpResponseBadRequest("invalid signature")
    _, created = services.stripe_event_receive(event=event)
    return HttpResponse("ok" if created else "duplicate", content_type="text/plain")
