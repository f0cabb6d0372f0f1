"""The one module that imports `stripe`.

Everything else talks to Stripe through these functions, which take and return
our own dataclasses and raise our own exceptions, never Stripe objects. One
StripeClient is built from settings: secret key, API base address (localstripe
in development and tests), explicit network retries and timeout. Calls for an
organization with a Stripe Connect account carry that account.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings

from invoicedesk.core.pacing import wait_for_slot

from .handlers import WebhookEvent

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- our types


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    status: str  # Stripe's: requires_payment_method, processing, succeeded, canceled, …
    amount: int
    amount_received: int
    currency: str  # upper case ISO 4217
    client_secret: str
    latest_charge_id: str | None
    charged_at: datetime | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    last_error: str | None = None
    # The card that paid, when Stripe's answer carries it (an expanded charge or payment method): "visa", "4242".
    card_brand: str = ""
    card_last4: str = ""
    # Stripe's processing fee on the charge, from its balance transaction (expanded): None when the answer did
    # not carry it (a webhook's unexpanded charge). `fee_tax` is the part of it Stripe lists as tax.
    fee: int | None = None
    fee_tax: int = 0
    fee_currency: str = ""
    balance_transaction_id: str = ""
    # The Stripe account it lives on: the connected account asked (or an event's `account`); None: the platform's.
    account: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class RefundInfo:
    id: str
    status: str  # Stripe's: pending, requires_action, succeeded, failed, canceled
    amount: int
    currency: str
    payment_intent_id: str | None
    failure_reason: str | None
    metadata: Mapping[str, str] = field(default_factory=dict)
    charge_id: str | None = None
    reason: str | None = None
    created: datetime | None = None
    # Why a `pending` refund waits: Stripe's `processing`, `insufficient_funds` or `charge_pending`.
    pending_reason: str | None = None


@dataclass(frozen=True)
class DisputeInfo:
    """A dispute as Stripe has it: a chargeback, or an inquiry (`warning_*` statuses) before any money moves."""

    id: str
    status: str
    amount: int
    currency: str
    reason: str
    charge_id: str | None
    payment_intent_id: str | None
    evidence_due_by: datetime | None
    is_charge_refundable: bool
    created: datetime | None = None


@dataclass(frozen=True)
class AccountInfo:
    """A connected account as Stripe has it: whether it may take charges and be paid out, and what it still owes."""

    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...]  # Stripe's requirements.currently_due and past_due
    disabled_reason: str = ""


class StripeGatewayError(Exception):
    """Stripe refused the request. `message` is safe to show to staff."""

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status


class StripeUnavailable(StripeGatewayError):
    """Timeout or connection failure: whether Stripe acted is unknown. Retry with the same idempotency key."""


class StripeCardError(StripeGatewayError):
    """The card was declined."""


class WebhookSignatureError(Exception):
    """The webhook's signature is missing, wrong, too old or dated ahead, or the body is not an event."""


class WebhookEventInvalid(WebhookSignatureError):
    """Signed, but not an event we can store: no id, an id or type longer than their columns, `data` that is no
    object, a `created` that is no time, text PostgreSQL cannot hold (NUL, a lone surrogate)."""


# ---------------------------------------------------------------- the client


def default_http_client() -> stripe.HTTPClient:
    return stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS)


def stripe_client() -> stripe.StripeClient:
    """The configured client, for the rare caller that needs a call this module does not wrap (devtools)."""
    return _client()


def _client() -> stripe.StripeClient:
    base_addresses: dict[str, str] = {}
    if settings.STRIPE_API_BASE:
        base_addresses = {"api": settings.STRIPE_API_BASE, "files": settings.STRIPE_API_BASE}
    # settings.STRIPE_HTTP_CLIENT: another transport (a proxy; the tests' fault injection).
    http_client: stripe.HTTPClient = settings.STRIPE_HTTP_CLIENT or _shared_http_client()
    if _paced.get():
        http_client = _PacedHTTPClient(http_client)
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,  # type: ignore[arg-type]
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=http_client,
    )


# Calls made inside `paced()` (the reconciliation's) wait for their turn under STRIPE_RATE_LIMIT_PER_SECOND, shared
# by every worker process through PostgreSQL (core.pacing).
_paced: contextvars.ContextVar[bool] = contextvars.ContextVar("stripe_paced", default=False)
RATE_LIMIT = "stripe"


@contextmanager
def paced() -> Iterator[None]:
    token = _paced.set(True)
    try:
        yield
    finally:
        _paced.reset(token)


class _PacedHTTPClient(stripe.HTTPClient):
    """Each HTTP request (every page of a list, every network retry of the SDK) waits for a slot first."""

    name = "paced"

    def __init__(self, inner: stripe.HTTPClient) -> None:
        super().__init__()
        self.inner = inner

    def request(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **kwargs: Any
    ) -> tuple[str, int, Mapping[str, str]]:
        wait_for_slot(RATE_LIMIT, per_second=settings.STRIPE_RATE_LIMIT_PER_SECOND)
        return self.inner.request(method, url, headers, post_data)

    def request_stream(
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None, **kwargs: Any
    ) -> tuple[Any, int, Mapping[str, str]]:
        wait_for_slot(RATE_LIMIT, per_second=settings.STRIPE_RATE_LIMIT_PER_SECOND)
        return self.inner.request_stream(method, url, headers, post_data)

    def close(self) -> None:
        """The inner client is shared (one connection pool per process): it stays open."""


_shared: dict[str, stripe.HTTPClient] = {}


def _shared_http_client() -> stripe.HTTPClient:
    # One connection pool per process.
    if "client" not in _shared:
        _shared["client"] = default_http_client()
    return _shared["client"]


def _options(*, idempotency_key: str | None = None, stripe_account: str | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    if stripe_account:
        options["stripe_account"] = stripe_account
    return options


@contextmanager
def translated_errors(action: str) -> Iterator[None]:
    """Turn the SDK's exceptions into ours; every call to Stripe runs inside it."""
    try:
        yield
    except stripe.APIConnectionError as error:
        logger.warning("Stripe unreachable during %s: %s", action, error.user_message or error)
        raise StripeUnavailable(
            "Stripe did not answer in time; the outcome is not known yet.", code="unavailable"
        ) from error
    except stripe.CardError as error:
        raise StripeCardError(
            error.user_message or "The card was declined.", code=error.code, http_status=error.http_status
        ) from error
    except stripe.StripeError as error:
        if _outcome_unknown(error):
            logger.warning("Stripe answered %s %s during %s: outcome unknown", error.http_status, error.code, action)
            raise StripeUnavailable(
                "Stripe could not confirm the request yet; the outcome is not known.",
                code=error.code or "api_error",
                http_status=error.http_status,
            ) from error
        raise StripeGatewayError(
            error.user_message or str(error) or "Stripe refused the request.",
            code=error.code,
            http_status=error.http_status,
        ) from error


# Codes of answers that do not say whether Stripe acted: another request with the same key is still running,
# too many requests, a lock held elsewhere.
UNKNOWN_OUTCOME_CODES = frozenset({"idempotency_key_in_use", "rate_limit", "lock_timeout"})
# Stripe's clear "not done": the request was invalid, not allowed, or the card was declined.
_REFUSALS = (stripe.InvalidRequestError, stripe.AuthenticationError, stripe.PermissionError, stripe.CardError)


def _outcome_unknown(error: stripe.StripeError) -> bool:
    """Only Stripe's clear "not done" is a refusal; everything else may or may not have happened.

    Unknown: 5xx (Stripe's side failed), 409 (the same idempotency key is in use), 429 and rate limits, an
    idempotency error (the key was used with other parameters: that earlier request stands), and any answer the
    SDK could not read (a truncated body, a proxy's 408 page: `APIError`).
    """
    status = error.http_status or 0
    if status >= 500 or status in (409, 429) or error.code in UNKNOWN_OUTCOME_CODES:
        return True
    if isinstance(error, stripe.IdempotencyError):
        return True
    return not isinstance(error, _REFUSALS)


# ---------------------------------------------------------------- conversions


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def payment_intent_from_dict(data: Mapping[str, Any], *, account: str | None = None) -> PaymentIntentInfo:
    """Accepts `latest_charge` as an id or an expanded charge; so do webhook payloads. `account`: the Stripe account
    it was read from (a webhook event's `account`)."""
    charge = data.get("latest_charge")
    charge_id: str | None
    charged_at: datetime | None = None
    charge_received: int | None = None
    if isinstance(charge, Mapping):
        charge_id = charge.get("id")
        charged_at = _timestamp(charge.get("created"))
        if charge.get("status") == "succeeded" and charge.get("captured", True):
            charge_received = charge.get("amount_captured") or charge.get("amount")
    else:
        charge_id = charge or None
    status = str(data.get("status") or "")
    received = data.get("amount_received")
    if received is None:
        # localstripe leaves amount_received out; Stripe always sends it.
        received = charge_received if charge_received is not None else (data["amount"] if status == "succeeded" else 0)
    error = data.get("last_payment_error") or {}
    card_brand, card_last4 = _card_of(charge, data.get("payment_method"))
    fee = _fee_of(charge)
    return PaymentIntentInfo(
        id=data["id"],
        status=status,
        amount=int(data["amount"]),
        amount_received=int(received),
        currency=str(data["currency"]).upper(),
        client_secret=str(data.get("client_secret") or ""),
        latest_charge_id=charge_id,
        charged_at=charged_at,
        metadata=dict(data.get("metadata") or {}),
        last_error=(error.get("message") if isinstance(error, Mapping) else None) or None,
        card_brand=card_brand,
        card_last4=card_last4,
        fee=fee.amount if fee else None,
        fee_tax=fee.tax if fee else 0,
        fee_currency=fee.currency if fee else "",
        balance_transaction_id=fee.balance_transaction_id if fee else "",
        account=account or None,
    )


@dataclass(frozen=True)
class _Fee:
    amount: int
    tax: int
    currency: str
    balance_transaction_id: str


def _fee_of(charge: Any) -> _Fee | None:
    """The processing fee of a charge whose `balance_transaction` is expanded (Stripe: `fee`, in the settlement
    currency, and `fee_details` [{amount, currency, type: stripe_fee | tax | application_fee}]); None otherwise."""
    if not isinstance(charge, Mapping):
        return None
    txn = charge.get("balance_transaction")
    if not isinstance(txn, Mapping) or txn.get("fee") is None:
        return None
    details = txn.get("fee_details") or []
    tax = sum(
        int(item.get("amount") or 0) for item in details if isinstance(item, Mapping) and item.get("type") == "tax"
    )
    return _Fee(
        amount=int(txn["fee"]),
        tax=tax,
        currency=str(txn.get("currency") or charge.get("currency") or "").upper(),
        balance_transaction_id=str(txn.get("id") or ""),
    )


def _card_of(charge: Any, payment_method: Any) -> tuple[str, str]:
    """(brand, last4) of the card that paid: Stripe puts it in the charge's payment_method_details; localstripe
    leaves that out, so the expanded PaymentMethod's card is read too. ("", "") when neither is there."""
    cards: list[Any] = []
    if isinstance(charge, Mapping):
        cards.append((charge.get("payment_method_details") or {}).get("card"))
    if isinstance(payment_method, Mapping):
        cards.append(payment_method.get("card"))
    for card in cards:
        if isinstance(card, Mapping) and str(card.get("last4") or "").isdigit():
            return str(card.get("brand") or ""), str(card["last4"])
    return "", ""


def refund_from_dict(data: Mapping[str, Any]) -> RefundInfo:
    return RefundInfo(
        id=data["id"],
        status=str(data.get("status") or ""),
        amount=int(data["amount"]),
        currency=str(data["currency"]).upper(),
        payment_intent_id=data.get("payment_intent"),
        failure_reason=data.get("failure_reason"),
        metadata=dict(data.get("metadata") or {}),
        charge_id=_id_of(data.get("charge")),
        reason=data.get("reason"),
        created=_timestamp(data.get("created")),
        pending_reason=data.get("pending_reason") or None,
    )


def account_from_dict(data: Mapping[str, Any]) -> AccountInfo:
    requirements = data.get("requirements") or {}
    due: list[str] = []
    if isinstance(requirements, Mapping):
        for key in ("past_due", "currently_due"):
            due.extend(str(item) for item in requirements.get(key) or () if str(item) not in due)
    return AccountInfo(
        id=str(data["id"]),
        charges_enabled=bool(data.get("charges_enabled")),
        payouts_enabled=bool(data.get("payouts_enabled")),
        details_submitted=bool(data.get("details_submitted")),
        requirements_due=tuple(due),
        disabled_reason=str(requirements.get("disabled_reason") or "") if isinstance(requirements, Mapping) else "",
    )


def dispute_from_dict(data: Mapping[str, Any]) -> DisputeInfo:
    evidence = data.get("evidence_details") or {}
    return DisputeInfo(
        id=str(data["id"]),
        status=str(data.get("status") or ""),
        amount=int(data.get("amount") or 0),
        currency=str(data.get("currency") or "").upper(),
        reason=str(data.get("reason") or ""),
        charge_id=_id_of(data.get("charge")),
        payment_intent_id=_id_of(data.get("payment_intent")),
        evidence_due_by=_timestamp(evidence.get("due_by")) if isinstance(evidence, Mapping) else None,
        is_charge_refundable=bool(data.get("is_charge_refundable")),
        created=_timestamp(data.get("created")),
    )


def _id_of(value: Any) -> str | None:
    """An expandable field: an id, an expanded object, or nothing."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "") or None
    return str(value) if value else None


# ---------------------------------------------------------------- payments


def create_payment_intent(
    *,
    amount: int,
    currency: str,
    metadata: Mapping[str, str],
    idempotency_key: str,
    stripe_account: str | None = None,
) -> PaymentIntentInfo:
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "payment_method_types": ["card"],
        "metadata": dict(metadata),
    }
    with translated_errors("payment_intents.create"):
        intent = _client().v1.payment_intents.create(
            params=params,  # type: ignore[arg-type]
            options=_options(idempotency_key=idempotency_key, stripe_account=stripe_account),  # type: ignore[arg-type]
        )
    return payment_intent_from_dict(intent.to_dict(), account=stripe_account)


def retrieve_payment_intent(*, payment_intent_id: str, stripe_account: str | None = None) -> PaymentIntentInfo:
    with translated_errors("payment_intents.retrieve"):
        intent = _client().v1.payment_intents.retrieve(
            payment_intent_id,
            # The charge's balance transaction carries Stripe's processing fee (recorded with the payment).
            params={"expand": ["latest_charge.balance_transaction", "payment_method"]},
            options=_options(stripe_account=stripe_account),  # type: ignore[arg-type]
        )
    return payment_intent_from_dict(intent.to_dict(), account=stripe_account)


def cancel_payment_intent(*, payment_intent_id: str, stripe_account: str | None = None) -> PaymentIntentInfo:
    with translated_errors("payment_intents.cancel"):
        intent = _client().v1.payment_intents.cancel(
            payment_intent_id,
            options=_options(idempotency_key=f"cancel-{payment_intent_id}", stripe_account=stripe_account),  # type: ignore[arg-type]
        )
    return payment_intent_from_dict(intent.to_dict(), account=stripe_account)


# ---------------------------------------------------------------- refunds


def create_refund(
    *,
    payment_intent_id: str,
    amount: int,
    metadata: Mapping[str, str],
    idempotency_key: str,
    reason: str | None = None,
    stripe_account: str | None = None,
) -> RefundInfo:
    params: dict[str, Any] = {"payment_intent": payment_intent_id, "amount": amount, "metadata": dict(metadata)}
    # localstripe, the only other API base we use, rejects `reason`; Stripe records it.
    if reason and not settings.STRIPE_API_BASE:
        params["reason"] = reason
    with translated_errors("refunds.create"):
        refund = _client().v1.refunds.create(
            params=params,  # type: ignore[arg-type]
            options=_options(idempotency_key=idempotency_key, stripe_account=stripe_account),  # type: ignore[arg-type]
        )
    return refund_from_dict(refund.to_dict())


def list_refunds(*, payment_intent_id: str, stripe_account: str | None = None) -> list[RefundInfo]:
    """Every refund of a payment, as Stripe has them now (all pages), oldest first."""
    with translated_errors("refunds.list"):
        page = _client().v1.refunds.list(
            params={"payment_intent": payment_intent_id, "limit": 100},
            options=_options(stripe_account=stripe_account),  # type: ignore[arg-type]
        )
        refunds = [refund_from_dict(refund.to_dict()) for refund in page.auto_paging_iter()]
    return sorted(refunds, key=lambda refund: (refund.created or datetime.min.replace(tzinfo=UTC), refund.id))


def list_disputes(*, payment_intent_id: str, stripe_account: str | None = None) -> list[DisputeInfo]:
    """Every dispute of a payment, as Stripe has them now (all pages), oldest first."""
    with translated_errors("disputes.list"):
        page = _client().v1.disputes.list(
            params={"payment_intent": payment_intent_id, "limit": 100},
            options=_options(stripe_account=stripe_account),  # type: ignore[arg-type]
        )
        disputes = [dispute_from_dict(dispute.to_dict()) for dispute in page.auto_paging_iter()]
    return sorted(disputes, key=lambda dispute: (dispute.created or datetime.min.replace(tzinfo=UTC), dispute.id))


def retrieve_charge_amount_refunded(*, charge_id: str, stripe_account: str | None = None) -> int:
    with translated_errors("charges.retrieve"):
        charge = _client().v1.charges.retrieve(charge_id, options=_options(stripe_account=stripe_account))  # type: ignore[arg-type]
    return int(charge.to_dict().get("amount_refunded") or 0)


# ---------------------------------------------------------------- Connect


def create_account(*, email: str, metadata: Mapping[str, str], idempotency_key: str) -> AccountInfo:
    """A connected account for direct charges, on the platform's key. The seller owns it as a Standard account
    would (the full Stripe Dashboard, pays Stripe's fees, Stripe bears negative balances) and Stripe collects what
    it requires through its hosted onboarding (Stripe's `controller` properties)."""
    params: dict[str, Any] = {
        "email": email,
        "metadata": dict(metadata),
        "controller": {
            "stripe_dashboard": {"type": "full"},
            "fees": {"payer": "account"},
            "losses": {"payments": "stripe"},
            "requirement_collection": "stripe",
        },
    }
    with translated_errors("accounts.create"):
        account = _client().v1.accounts.create(
            params=params,  # type: ignore[arg-type]
            options=_options(idempotency_key=idempotency_key),  # type: ignore[arg-type]
        )
    return account_from_dict(account.to_dict())


def retrieve_account(*, account_id: str) -> AccountInfo:
    with translated_errors("accounts.retrieve"):
        account = _client().v1.accounts.retrieve(account_id)
    return account_from_dict(account.to_dict())


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> str:
    """The address of Stripe's hosted onboarding for the account (single use, minutes long)."""
    with translated_errors("account_links.create"):
        link = _client().v1.account_links.create(
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            }
        )
    return str(link.to_dict()["url"])


# ---------------------------------------------------------------- webhooks


def dashboard_payment_url(payment_intent_id: str) -> str:
    """The payment's page in the Stripe Dashboard, in test or live mode as our key is."""
    test_mode = settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_"))
    return f"https://dashboard.stripe.com/{'test/' if test_mode else ''}payments/{payment_intent_id}"


def parse_webhook(*, payload: bytes, signature_header: str, secret: str) -> WebhookEvent:
    """Verify the Stripe-Signature header on the raw body with `secret`, the signing secret of the endpoint it
    came to (each endpoint has its own: the platform's, Connect's), and return the event."""
    if not secret:
        # An HMAC under an empty key is one anybody can make: an endpoint without its secret takes nothing.
        raise WebhookSignatureError("this endpoint has no signing secret configured")
    if not signature_header:
        raise WebhookSignatureError("missing Stripe-Signature header")
    try:
        # The SDK's own check of the signature on the raw body; the JSON is then read as it is (construct_event
        # would build a StripeObject only for us to turn it back into a dict: a third of the intake's time).
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature_header, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
        data = json.loads(text)
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(str(error)) from error
    except ValueError as error:
        raise WebhookSignatureError(f"not a JSON event: {error}") from error
    except RecursionError as error:  # arrays in arrays, thousands deep
        raise WebhookEventInvalid("not a JSON event: nested too deeply") from error
    # The SDK refuses signatures older than the tolerance only; one dated ahead would stay replayable for as long
    # as it is ahead (a year, ten), so it is refused here the same way.
    signed_at = _signed_at(signature_header)
    if signed_at is None or signed_at > time.time() + settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS:
        raise WebhookSignatureError(f"timestamp outside the tolerance zone ({signed_at}): dated in the future")
    if not isinstance(data, dict):
        raise WebhookEventInvalid("not a JSON event: not an object")
    try:
        return _event_of(data, unusual_text="\\u" in text)
    except RecursionError as error:
        raise WebhookEventInvalid("not a JSON event: nested too deeply") from error


def _signed_at(signature_header: str) -> int | None:
    """The header's `t=` (read as the SDK reads it, which has verified the signature over it)."""
    for item in signature_header.split(","):
        parts = item.split("=", 2)
        if parts[0] == "t" and len(parts) > 1:
            try:
                return int(parts[1])
            except ValueError:
                return None
    return None


# The columns an event is stored in (models.StripeEvent).
_EVENT_ID_MAX, _EVENT_TYPE_MAX, _ACCOUNT_MAX = 255, 100, 255
# Seconds since 1970 that make a datetime (year 1 to 9999).
_LATEST_TIMESTAMP = 253_402_300_799


def _event_of(data: dict[str, Any], *, unusual_text: bool) -> WebhookEvent:
    event_id, event_type, account = data.get("id"), data.get("type"), data.get("account")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= _EVENT_ID_MAX:
        raise WebhookEventInvalid(f"not a Stripe event: `id` must be text of 1 to {_EVENT_ID_MAX} characters")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= _EVENT_TYPE_MAX:
        raise WebhookEventInvalid(f"not a Stripe event: `type` must be text of 1 to {_EVENT_TYPE_MAX} characters")
    if account is not None and (not isinstance(account, str) or len(account) > _ACCOUNT_MAX):
        raise WebhookEventInvalid(f"not a Stripe event: `account` must be text of at most {_ACCOUNT_MAX} characters")
    body = data.get("data", {})
    about = body.get("object") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(about, dict | None):
        raise WebhookEventInvalid("not a Stripe event: `data` and `data.object` must be objects")
    created = data.get("created")
    if created is not None and (
        not isinstance(created, int) or isinstance(created, bool) or not 0 <= created <= _LATEST_TIMESTAMP
    ):
        raise WebhookEventInvalid("not a Stripe event: `created` must be a Unix time")
    # Only an escape (\u0000, \ud800) can put a NUL or a lone surrogate into the decoded JSON: look only then.
    if unusual_text and not _storable(data):
        raise WebhookEventInvalid("not a Stripe event: text with NUL or a lone surrogate cannot be stored")
    return WebhookEvent(
        id=event_id,
        type=event_type,
        created=_timestamp(created) or datetime.now(tz=UTC),
        account=account,
        object=dict(about or {}),
        payload=data,
    )


def _storable(value: object) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return "\x00" not in value
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True
