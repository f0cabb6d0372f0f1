from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from invoicedesk.payments import stripe_gateway as gateway

from .services import stripe_event_receive

logger = logging.getLogger(__name__)


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
    _, created = stripe_event_receive(event=event)
    return HttpResponse("ok" if created else "duplicate", content_type="text/plain")
