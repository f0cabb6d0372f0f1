"""Test helpers at the Stripe boundary: signed events and an SDK http_client that injects faults."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
from django.test import override_settings


def signature_header(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def event_payload(event_type: str, obj: dict[str, Any], *, event_id: str, created: int | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": created or int(time.time()),
            "api_version": "2025-01-27.acacia",
            "data": {"object": obj},
            "livemode": False,
        }
    ).encode()


def payment_intent_object(
    *,
    intent_id: str,
    amount: int,
    currency: str = "jpy",
    status: str = "succeeded",
    amount_received: int | None = None,
    metadata: dict[str, str] | None = None,
    charge: str | dict[str, Any] | None = "ch_test_1",
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if amount_received is None and status == "succeeded" else (amount_received or 0),
        "currency": currency,
        "status": status,
        "client_secret": f"{intent_id}_secret_x",
        "latest_charge": charge,
        "metadata": metadata or {},
        "last_payment_error": {"message": error, "code": "card_declined"} if error else None,
    }


class FaultyHTTPClient(stripe.RequestsClient):
    """Passes calls through to the real server, except those `fail` chooses to break."""

    name = "faulty"

    def __init__(self, *, fail: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail = fail  # (method, url) -> None | "timeout" | (status, body dict)
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        self.calls.append((method, url))
        fault = self.fail(method, url)
        if fault == "timeout":
            raise stripe.APIConnectionError("Request timed out (injected)", should_retry=False)  # type: ignore[no-untyped-call]
        if fault is not None:
            status, body = fault
            return json.dumps(body), status, {}
        return super().request(method, url, headers, post_data, **kwargs)


@contextmanager
def stripe_http_client(http_client: stripe.HTTPClient) -> Iterator[None]:
    """Route the app's Stripe calls through `http_client`, in every thread (a worker thread too)."""
    with override_settings(STRIPE_HTTP_CLIENT=http_client):
        yield
