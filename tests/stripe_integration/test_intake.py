"""The WSGI application answers Stripe's webhook POSTs itself and hands everything else to Django unchanged."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from invoicedesk.stripe_integration.models import StripeEvent
from tests.stripe_support import event_payload, signature_header, through_wsgi

pytestmark = pytest.mark.django_db


def _signed(event_id: str = "evt_intake_1") -> tuple[bytes, dict[str, str]]:
    payload = event_payload("customer.created", {"id": "cus_1", "object": "customer"}, event_id=event_id)
    return payload, {"Stripe-Signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)}


def test_a_signed_event_is_stored_once_and_answered_in_plain_text() -> None:
    payload, headers = _signed()
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


@pytest.mark.parametrize(
    ("seconds", "status", "text"),
    [
        (-400, 400, b"invalid signature"),  # older than the tolerance (300 s): the SDK's own check
        (-200, 200, b"ok"),
        (200, 200, b"ok"),  # clocks disagree by less than the tolerance
        (400, 400, b"invalid signature"),
        (365 * 24 * 3600, 400, b"invalid signature"),
        (10 * 365 * 24 * 3600, 400, b"invalid signature"),
    ],
    ids=["past-tolerance", "past-within", "ahead-within", "ahead-tolerance", "a-year-ahead", "ten-years-ahead"],
)
def test_signatures_are_refused_outside_the_tolerance_either_way(seconds: int, status: int, text: bytes) -> None:
    payload, _headers = _signed()
    signed_at = int(time.time()) + seconds
    header = signature_header(payload, settings.STRIPE_WEBHOOK_SECRET, timestamp=signed_at)
    response = through_wsgi("POST", "/stripe/webhook/", payload, {"Stripe-Signature": header})
    assert (response.status_code, response.content) == (status, text)
    assert StripeEvent.objects.exists() == (status == 200)


def _event(**fields: Any) -> bytes:
    event = json.loads(event_payload("customer.created", {"id": "cus_1"}, event_id="evt_shape"))
    event.update(fields)
    return json.dumps({key: value for key, value in event.items() if value is not ...}).encode()


@pytest.mark.parametrize(
    "payload",
    [
        _event(id=...),
        _event(id=None),
        _event(id=12345),
        _event(id=""),
        _event(id="evt_" + "x" * 252),
        _event(type=...),
        _event(type="t" * 101),
        _event(data="not an object"),
        _event(data=[1, 2]),
        _event(data={"object": "cus_1"}),
        _event(account=["acct_1"]),
        _event(account="a" * 256),
        _event(created="yesterday"),
        _event(created=10**20),
        _event(created=True),
        _event(data={"object": {"id": "cus_\u0000"}}),
        b'{"id": "evt_surrogate", "type": "customer.created", "data": {"object": {"name": "\\ud800"}}}',
        b"[" * 50_000 + b"]" * 50_000,
        b'"just a string"',
    ],
    ids=[
        "no-id",
        "null-id",
        "numeric-id",
        "empty-id",
        "id-over-255",
        "no-type",
        "type-over-100",
        "data-string",
        "data-array",
        "object-string",
        "account-array",
        "account-over-255",
        "created-text",
        "created-huge",
        "created-bool",
        "nul-in-text",
        "lone-surrogate",
        "nested-deep",
        "not-an-object",
    ],
)
def test_a_signed_body_that_is_no_storable_event_is_refused_not_a_500(payload: bytes) -> None:
    header = signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)
    for response in (
        through_wsgi("POST", "/stripe/webhook/", payload, {"Stripe-Signature": header}),
        Client().post("/stripe/webhook/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header),
    ):
        assert response.status_code == 400
        assert response.content in {b"not a Stripe event", b"invalid signature"}
    assert not StripeEvent.objects.exists()


def test_an_id_of_255_characters_is_stored() -> None:
    payload = _event(id="evt_" + "x" * 251)
    response = through_wsgi(
        "POST",
        "/stripe/webhook/",
        payload,
        {"Stripe-Signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
    )
    assert (response.status_code, response.content) == (200, b"ok")
    assert len(StripeEvent.objects.get().stripe_id) == 255
