"""The WSGI application answers Stripe's webhook POSTs itself and hands everything else to Django unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from invoicedesk.stripe_events.models import StripeEvent
from tests.stripe_support import event_payload, signature_header, through_wsgi

pytestmark = pytest.mark.django_db


def _signed(event_id: str = "evt_intake_1") -> tuple[bytes, dict[str, str]]:
    payload = event_payload("customer.created", {"id": "cus_1", "object": "customer"}, event_id=event_id)
    return payload, {"Stripe-Signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)}


def test_a_signed_event_is_stored_once_and_answered_in_plain_text(django_capture_on_commit_callbacks: Any) -> None:
    payload, headers = _signed()
    with django_capture_on_commit_callbacks(execute=True):
        first = through_wsgi("POST", "/stripe/webhook/", payload, headers)
        again = through_wsgi("POST", "/stripe/webhook/", payload, headers)
    assert (first.status_code, first.content, again.status_code, again.content) == (200, b"ok", 200, b"duplicate")
    assert first.headers == {"Content-Type": "text/plain; charset=utf-8", "Content-Length": "2"}
    assert list(StripeEvent.objects.values_list("stripe_id", "type")) == [("evt_intake_1", "customer.created")]


def test_what_is_not_a_webhook_post_goes_to_django() -> None:
    # Django's view refuses a GET with its own 405 (the intake would have taken a POST), and its pages stay its own.
    refused = through_wsgi("GET", "/stripe/webhook/")
    assert refused.status_code == 405 and refused.headers["Allow"] == "POST"
    assert through_wsgi("GET", "/healthz").status_code == 200
    assert through_wsgi("POST", "/accounts/login/").status_code == 403  # CSRF, as before
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(
    ("environ", "status", "text"),
    [
        ({"CONTENT_LENGTH": "twelve"}, 400, b"invalid Content-Length"),
        ({"CONTENT_LENGTH": str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}, 413, b"event too large"),
        ({"HTTP_STRIPE_SIGNATURE": "t=1,v1=forged"}, 400, b"invalid signature"),
    ],
    ids=["length-not-a-number", "too-large", "forged"],
)
def test_a_malformed_delivery_is_refused_and_nothing_is_stored(
    environ: dict[str, str], status: int, text: bytes
) -> None:
    payload, headers = _signed()
    response = through_wsgi("POST", "/stripe/webhook/", payload, headers, environ=environ)
    assert (response.status_code, response.content) == (status, text)
    assert not StripeEvent.objects.exists()
