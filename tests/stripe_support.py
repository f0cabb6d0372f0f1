"""Test helpers at the Stripe boundary: signed events and an SDK http_client that injects faults."""

from __future__ import annotations

import io
import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import stripe
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from invoicedesk.devtools.stripe_objects import dispute_object, event_payload, signature_header

__all__ = ["dispute_object", "event_payload", "signature_header"]


@dataclass(frozen=True)
class WsgiResponse:
    status_code: int
    content: bytes
    headers: dict[str, str]


def through_wsgi(
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    environ: dict[str, str] | None = None,
) -> WsgiResponse:
    """A request to the production WSGI application (invoicedesk.wsgi: webhooks are answered before Django's cycle).

    As Django's test client does, the connection is not closed at the request's end: the test's transaction
    is still open on it."""
    from invoicedesk.wsgi import application  # sets Django up: imported only where it is used

    request = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in (headers or {}).items()},
        **(environ or {}),
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> Callable[[bytes], object]:
        answer.update(status=int(status.split()[0]), headers=dict(response_headers))
        return lambda _: None

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(application(request, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return WsgiResponse(answer["status"], content, answer["headers"])


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


def stripe_error(status: int, code: str, message: str, error_type: str = "invalid_request_error") -> tuple[int, Any]:
    """An error answer shaped as Stripe sends it."""
    return status, {"error": {"type": error_type, "code": code, "message": message}}


class StripeLike(stripe.RequestsClient):
    """localstripe, plus the Stripe rules it lacks, at the SDK's http_client boundary.

    - Idempotent replay: a POST repeated with the same Idempotency-Key gets the first answer again
      (localstripe would act twice), as Stripe does for 24 h.
    - Over-refund refusal: a refund beyond what is left of the charge is refused with Stripe's
      `charge_already_refunded` / `amount_too_large` errors.
    - Scripted faults for POST /v1/refunds, taken one per request from `refund_faults`:
      "timeout" (nothing reaches Stripe), "timeout_after" (Stripe acts, the answer is lost),
      or (status, body) answered instead of Stripe.
    - `later[refund_id]`: fields that Stripe reports for that refund from now on (a refund that fails
      after it succeeded), in every answer that carries it, lists included.
    - `new_refund_fields`: fields every refund made from now on carries (a refund left `pending` with a
      `pending_reason`), in the answer to its creation and from then on (as `later`).
    - Disputes, which localstripe lacks: `disputes[payment_intent]` lists Stripe dispute objects (see
      `dispute_object`), served by `GET /v1/disputes?payment_intent=…`; while one is open with
      `is_charge_refundable` false, a refund of that payment is refused with Stripe's `charge_disputed`.
    """

    name = "stripe-like"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refund_faults: list[Any] = []
        self.later: dict[str, dict[str, Any]] = {}
        self.replayed: dict[str, tuple[Any, int, Any]] = {}
        self.refund_posts = 0
        self.new_refund_fields: dict[str, Any] = {}
        self.disputes: dict[str, list[dict[str, Any]]] = {}

    def _rewrite(self, body: Any) -> Any:
        if not self.later:
            return body
        data = json.loads(body)
        for obj in data.get("data", []) if data.get("object") == "list" else [data]:
            if isinstance(obj, dict) and obj.get("id") in self.later:
                obj.update(self.later[obj["id"]])
        return json.dumps(data)

    def _left_on_charge(self, url: str, headers: Any, payment_intent: str) -> int:
        base = url.split("/v1/")[0]
        listing, _, _ = super().request("get", f"{base}/v1/refunds?payment_intent={payment_intent}", headers)
        intent, _, _ = super().request("get", f"{base}/v1/payment_intents/{payment_intent}", headers)
        refunded: int = sum(
            int(r["amount"])
            for r in json.loads(listing)["data"]
            if {**r, **self.later.get(r["id"], {})}["status"] in ("succeeded", "pending")
        )
        total: int = json.loads(intent)["amount"]
        return total - refunded

    def _disputes_answer(self, url: str) -> Any:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        found = self.disputes.get(query.get("payment_intent", ""), [])
        body = {"object": "list", "url": "/v1/disputes", "has_more": False, "data": found}
        return json.dumps(body), 200, {}

    def _disputed(self, post_data: Any) -> bool:
        params = dict(urllib.parse.parse_qsl(post_data or ""))
        return any(
            not d["is_charge_refundable"] and d["status"] not in ("won", "lost", "warning_closed", "prevented")
            for d in self.disputes.get(params.get("payment_intent", ""), [])
        )

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        if method == "get" and urllib.parse.urlsplit(url).path.endswith("/v1/disputes"):
            return self._disputes_answer(url)
        if method == "post" and url.endswith("/v1/refunds") and self._disputed(post_data):
            status, error = stripe_error(
                400, "charge_disputed", "This charge has been disputed and cannot be refunded."
            )
            return json.dumps(error), status, {}
        key = (headers or {}).get("Idempotency-Key")
        fault = None
        if method == "post" and url.endswith("/v1/refunds"):
            self.refund_posts += 1
            fault = self.refund_faults.pop(0) if self.refund_faults else None
        if method == "post" and key and key in self.replayed and fault is None:
            body, status, response_headers = self.replayed[key]
            return body, status, response_headers
        if method == "post" and url.endswith("/v1/refunds"):
            if fault == "timeout":
                raise stripe.APIConnectionError("Request timed out (injected)", should_retry=False)  # type: ignore[no-untyped-call]
            if isinstance(fault, tuple):
                return json.dumps(fault[1]), fault[0], {}
            params = dict(urllib.parse.parse_qsl(post_data or ""))
            if "payment_intent" in params and "amount" in params:
                left = self._left_on_charge(url, headers, params["payment_intent"])
                if left <= 0:
                    status, error = stripe_error(
                        400, "charge_already_refunded", "This charge has already been refunded."
                    )
                    return json.dumps(error), status, {}
                if int(params["amount"]) > left:
                    status, error = stripe_error(
                        400, "amount_too_large", "Refund amount is greater than unrefunded amount."
                    )
                    return json.dumps(error), status, {}
            body, status, response_headers = super().request(method, url, headers, post_data, **kwargs)
            if self.new_refund_fields and status == 200:
                self.later[json.loads(body)["id"]] = dict(self.new_refund_fields)
            if key and status < 500:
                self.replayed[key] = (body, status, response_headers)
            if fault == "timeout_after":
                raise stripe.APIConnectionError("Request timed out (injected)", should_retry=False)  # type: ignore[no-untyped-call]
            return self._rewrite(body), status, response_headers
        body, status, response_headers = super().request(method, url, headers, post_data, **kwargs)
        if method == "post" and key and status < 500:
            self.replayed[key] = (body, status, response_headers)
        return self._rewrite(body), status, response_headers


class ConnectLike(StripeLike):
    """StripeLike plus what Stripe documents for Connect and localstripe lacks: `POST /v1/accounts` (replayed under
    its Idempotency-Key), `GET /v1/accounts/{id}` and `POST /v1/account_links`. An account starts as Stripe's do
    before onboarding (nothing enabled, details due); `complete` and `require` play Stripe's hosted onboarding."""

    ONBOARDING = "https://connect.stripe.test/setup/"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.accounts: dict[str, dict[str, Any]] = {}
        self.account_keys: dict[str, str] = {}
        self.account_links: list[dict[str, Any]] = []

    def complete(self, account_id: str) -> dict[str, Any]:
        self.accounts[account_id].update(
            charges_enabled=True,
            payouts_enabled=True,
            details_submitted=True,
            requirements={"currently_due": [], "past_due": [], "eventually_due": [], "disabled_reason": None},
        )
        return self.accounts[account_id]

    def require(self, account_id: str, *due: str, charges: bool = False) -> dict[str, Any]:
        self.accounts[account_id].update(
            charges_enabled=charges,
            details_submitted=True,
            requirements={
                "currently_due": list(due),
                "past_due": [],
                "eventually_due": list(due),
                "disabled_reason": None if charges else "requirements.past_due",
            },
        )
        return self.accounts[account_id]

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        path = urllib.parse.urlsplit(url).path
        if path.endswith("/v1/accounts") and method == "post":
            key = (headers or {}).get("Idempotency-Key", "")
            if key in self.account_keys:
                return json.dumps(self.accounts[self.account_keys[key]]), 200, {}
            params = dict(urllib.parse.parse_qsl(post_data or ""))
            account_id = f"acct_{len(self.accounts) + 1:04d}test"
            self.accounts[account_id] = {
                "id": account_id,
                "object": "account",
                "email": params.get("email"),
                "charges_enabled": False,
                "payouts_enabled": False,
                "details_submitted": False,
                "requirements": {
                    "currently_due": ["business_type", "external_account", "tos_acceptance.date"],
                    "past_due": [],
                    "eventually_due": [],
                    "disabled_reason": "requirements.past_due",
                },
                "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            }
            if key:
                self.account_keys[key] = account_id
            return json.dumps(self.accounts[account_id]), 200, {}
        if "/v1/accounts/" in path and method == "get":
            found = self.accounts.get(path.rsplit("/", 1)[1])
            if found is None:
                return json.dumps(stripe_error(404, "resource_missing", "No such account")[1]), 404, {}
            return json.dumps(found), 200, {}
        if path.endswith("/v1/account_links") and method == "post":
            params = dict(urllib.parse.parse_qsl(post_data or ""))
            self.account_links.append(params)
            link = {
                "object": "account_link",
                "url": self.ONBOARDING + params["account"],
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
            }
            return json.dumps(link), 200, {}
        return super().request(method, url, headers, post_data, **kwargs)
