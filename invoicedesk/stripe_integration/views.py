from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .intake import CONNECT_ENDPOINT, PLATFORM_ENDPOINT, Endpoint, webhook_answer


def _answer(request: HttpRequest, endpoint: Endpoint) -> HttpResponse:
    answer = webhook_answer(
        endpoint=endpoint, payload=request.body, signature_header=request.headers.get("Stripe-Signature", "")
    )
    return HttpResponse(answer.text, status=answer.status, content_type="text/plain")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """The platform's signed events, when they come through Django (the WSGI application answers them before:
    intake)."""
    return _answer(request, PLATFORM_ENDPOINT)


@csrf_exempt
@require_POST
def stripe_connect_webhook(request: HttpRequest) -> HttpResponse:
    """Connected accounts' signed events, checked with the Connect endpoint's own secret."""
    return _answer(request, CONNECT_ENDPOINT)
