from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .intake import webhook_answer


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed events, when they come through Django (the WSGI application answers them before: intake)."""
    answer = webhook_answer(payload=request.body, signature_header=request.headers.get("Stripe-Signature", ""))
    return HttpResponse(answer.text, status=answer.status, content_type="text/plain")
