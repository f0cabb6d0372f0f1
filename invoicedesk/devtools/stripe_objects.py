"""Stripe's documented objects and signatures, built as Stripe sends them (development and tests only).

The Connect double (`connect_double.py`) serves and signs these; the tests build the same ones at the SDK's
boundary (tests/stripe_support.py re-exports them), so both speak the one shape.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any


def signature_header(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """Stripe's `Stripe-Signature` header: `t=<unix time>,v1=<HMAC-SHA256 of "t.payload">`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def event_object(
    event_type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    account: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """An event as Stripe delivers it; a Connect event (about a connected account) carries `account`."""
    event: dict[str, Any] = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "type": event_type,
        "created": created or int(time.time()),
        "api_version": "2025-01-27.acacia",
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    }
    if account is not None:
        event["account"] = account
    return event


def event_payload(event_type: str, obj: dict[str, Any], *, event_id: str, created: int | None = None) -> bytes:
    return json.dumps(event_object(event_type, obj, event_id=event_id, created=created)).encode()


def dispute_object(
    *,
    dispute_id: str,
    payment_intent: str,
    charge: str,
    amount: int,
    status: str = "needs_response",
    is_charge_refundable: bool = False,
    reason: str = "fraudulent",
    due_by: int | None = None,
    currency: str = "jpy",
) -> dict[str, Any]:
    """A dispute as Stripe's API documents it (the fields we read, and the others a dispute always carries)."""
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge,
        "created": int(time.time()),
        "currency": currency,
        "evidence": {},
        "evidence_details": {
            "due_by": due_by,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": is_charge_refundable,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": reason,
        "status": status,
    }


# What a new connected account owes before Stripe enables anything (Stripe's `requirements.currently_due`).
NEW_ACCOUNT_DUE = ["business_type", "external_account", "representative.first_name", "tos_acceptance.date"]


def account_object(*, account_id: str, email: str | None, metadata: dict[str, str], controller: Any) -> dict[str, Any]:
    """A connected account as Stripe returns it right after `POST /v1/accounts`: nothing enabled, details due."""
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {},
        "business_type": None,
        "capabilities": {"card_payments": "inactive", "transfers": "inactive"},
        "charges_enabled": False,
        "controller": controller or {"type": "application"},
        "country": "JP",
        "created": int(time.time()),
        "default_currency": "jpy",
        "details_submitted": False,
        "email": email,
        "metadata": metadata,
        "payouts_enabled": False,
        "requirements": _requirements(NEW_ACCOUNT_DUE, disabled_reason="requirements.past_due"),
        "type": "standard",
    }


def _requirements(due: list[str], *, disabled_reason: str | None) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": disabled_reason,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due) if disabled_reason == "requirements.past_due" else [],
        "pending_verification": [],
    }


def account_completed(account: dict[str, Any]) -> dict[str, Any]:
    """The account after its holder finished Stripe's onboarding and Stripe verified it."""
    account.update(
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
        capabilities={"card_payments": "active", "transfers": "active"},
        requirements=_requirements([], disabled_reason=None),
    )
    return account


def account_with_requirements_due(account: dict[str, Any], *due: str) -> dict[str, Any]:
    """The account after its holder left Stripe's onboarding with `due` still owed: nothing enabled yet."""
    account.update(
        charges_enabled=False,
        payouts_enabled=False,
        details_submitted=True,
        capabilities={"card_payments": "inactive", "transfers": "inactive"},
        requirements=_requirements(list(due), disabled_reason="requirements.past_due"),
    )
    return account
