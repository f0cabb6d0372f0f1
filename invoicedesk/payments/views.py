from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.tenancy import tenant_view
from invoicedesk.core.errors import ServiceError
from invoicedesk.stripe_integration import gateway

from . import services
from .models import PaymentLink
from .selectors import payment_link_by_token

logger = logging.getLogger(__name__)


def _run_link_action(request: HttpRequest, invoice_id: int, action: str) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    service = services.payment_link_issue if action == "issue" else services.payment_link_cancel
    try:
        service(actor=membership, invoice_id=invoice_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Payment link issued.") if action == "issue" else _("Payment link canceled."))
    return redirect("backoffice:invoice_detail", invoice_id=invoice_id)


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


def buyers_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pay pages speak the buyer's language unless the visitor chose another (?lang=, then remembered),
    and show times in the seller's time zone: the whole view runs so, messages included."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        link = payment_link_by_token(token=token)
        languages = dict(settings.LANGUAGES)
        asked = request.GET.get("lang", "")
        remembered = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = next(
            (code for code in (asked, remembered, link.invoice.buyer.language) if code in languages),
            settings.LANGUAGE_CODE,
        )
        with translation.override(language), timezone.override(ZoneInfo(link.invoice.organization.time_zone)):
            response = view(request, token, *args, **kwargs)
        if asked in languages:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, asked, samesite="Lax", max_age=365 * 24 * 3600)
        return response

    return wrapped


def _render_pay(
    request: HttpRequest, link: PaymentLink, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    return render(request, template, {**context, "pay_language": translation.get_language()}, status=status)


@require_http_methods(["GET", "POST"])
@buyers_language
def pay(
    request: HttpRequest, token: str, *, card_form: forms.Form | None = None, error: str | None = None
) -> HttpResponse:
    """The buyer's pay page: Stripe's Payment Element for the link's one PaymentIntent.

    In test mode (localstripe) devtools serves this address and passes its test
    card form in `card_form`, which is then shown instead of Stripe.js.
    """
    link = payment_link_by_token(token=token)
    reason = services.payment_link_unavailable_reason(link)
    if reason is not None:
        if link.is_expired_at(timezone.now()):
            services.payment_link_expire(link_id=link.pk)
        return _render_pay(request, link, "payments/pay_unavailable.html", _pay_context(link, reason=reason), 410)
    intent: gateway.PaymentIntentInfo | None = None
    try:
        intent = services.payment_intent_for_link(link=link)
    except (gateway.StripeGatewayError, ServiceError) as failure:
        logger.warning("pay page for link %s: %s", link.pk, failure)
        error = _("Card payment is temporarily unavailable. Please try again in a few minutes.")
    return _render_pay(
        request,
        link,
        "payments/pay.html",
        _pay_context(
            link,
            intent=intent,
            form=card_form,
            error=error,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            return_url=request.build_absolute_uri(reverse("payments:pay_return", kwargs={"token": token})),
        ),
        503 if intent is None else 200,
    )


@require_GET
@buyers_language
def pay_return(request: HttpRequest, token: str) -> HttpResponse:
    """Where the buyer lands after confirming: asks Stripe, records a success, states the result."""
    link = payment_link_by_token(token=token)
    intent = services.payment_refresh_from_stripe(link=link)
    return _render_pay(request, link, "payments/pay_return.html", _pay_context(link, intent=intent))
