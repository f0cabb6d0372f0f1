"""The API's one error shape, {code, message, field, details}, and its stable codes.

Services raise ServiceError with their own codes (the pages show the message next to a form field); this
table turns each into the API's stable code and HTTP status. A code not listed answers `refused` (409).

Statuses: 422 means the request itself is malformed (`invalid_request`: the schema says why); 409 means it is
well-formed but the current state of things refuses it (the Refundable Amount, the payment, a decision taken).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ninja import Schema
from pydantic import Field

from invoicedesk.core.errors import ServiceError


class ErrorCode(StrEnum):
    AMOUNT_EXCEEDS_REFUNDABLE = "amount_exceeds_refundable"
    CLASSIFICATION_MISMATCH = "classification_mismatch"
    OUT_OF_SCOPE_PAYMENT_METHOD = "out_of_scope_payment_method"
    NOT_PAID = "not_paid"
    ADDON_NOT_VALID = "addon_not_valid"
    STRIPE_ACCOUNT_NOT_READY = "stripe_account_not_ready"
    STRIPE_ACCOUNT_DISCONNECTED = "stripe_account_disconnected"
    SELF_APPROVAL_FORBIDDEN = "self_approval_forbidden"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    ALREADY_DECIDED = "already_decided"
    APPROVAL_EXPIRED = "approval_expired"
    CURRENCY_MISMATCH = "currency_mismatch"
    AWAITING_STRIPE = "awaiting_stripe"
    STRIPE_ERROR = "stripe_error"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    PAYMENT_CHANGED = "payment_changed"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    ALREADY_PAID = "already_paid"
    AMOUNT_NOT_CHARGEABLE = "amount_not_chargeable"
    RATE_LIMITED = "rate_limited"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    INVALID_REQUEST = "invalid_request"
    REQUEST_TOO_LARGE = "request_too_large"
    REFUSED = "refused"


# Service code → (API code, HTTP status).
SERVICE_CODES: dict[str, tuple[ErrorCode, int]] = {
    "not_found": (ErrorCode.NOT_FOUND, 404),
    "forbidden": (ErrorCode.FORBIDDEN, 403),
    "self_approval_forbidden": (ErrorCode.SELF_APPROVAL_FORBIDDEN, 403),
    # Approvals need a session that passed the second factor where the organization requires it: never a key.
    "second_factor_required": (ErrorCode.SECOND_FACTOR_REQUIRED, 403),
    "out_of_scope": (ErrorCode.OUT_OF_SCOPE_PAYMENT_METHOD, 409),
    "not_paid": (ErrorCode.NOT_PAID, 409),
    "no_addon": (ErrorCode.ADDON_NOT_VALID, 409),
    "stripe_account_cannot_charge": (ErrorCode.STRIPE_ACCOUNT_NOT_READY, 409),
    "stripe_account_disconnected": (ErrorCode.STRIPE_ACCOUNT_DISCONNECTED, 409),
    "nothing_refundable": (ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE, 409),
    "above_refundable": (ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE, 409),
    "zero": (ErrorCode.INVALID_REQUEST, 422),
    "invalid_request": (ErrorCode.INVALID_REQUEST, 422),
    "classification": (ErrorCode.CLASSIFICATION_MISMATCH, 409),
    "currency_mismatch": (ErrorCode.CURRENCY_MISMATCH, 409),
    "key_reused": (ErrorCode.IDEMPOTENCY_KEY_REUSED, 409),
    "already_decided": (ErrorCode.ALREADY_DECIDED, 409),
    "expired": (ErrorCode.APPROVAL_EXPIRED, 409),
    "awaiting_stripe": (ErrorCode.AWAITING_STRIPE, 409),
    "already_paid": (ErrorCode.ALREADY_PAID, 409),
    "amount_stripe_cannot_charge": (ErrorCode.AMOUNT_NOT_CHARGEABLE, 409),
    # The client's stated state of the payment (If-Match, expected_refundable) no longer holds.
    "payment_changed": (ErrorCode.PAYMENT_CHANGED, 412),
    "possible_duplicate": (ErrorCode.POSSIBLE_DUPLICATE, 409),
}


class ErrorOut(Schema):
    code: ErrorCode = Field(description="Stable: programs branch on it. The message may change and is translated.")
    message: str
    field: str | None = Field(None, description="The request field the error is about, if any.")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Facts to act on, e.g. `refundable` {amount, currency} with amount_exceeds_refundable, "
        "`stripe_code` and `stripe_message` with stripe_error, `retry_after` with rate_limited.",
    )


def error_body(
    code: ErrorCode, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"code": code.value, "message": message, "field": field, "details": details or {}}


def service_error_answer(error: ServiceError) -> tuple[int, dict[str, Any]]:
    code, status = SERVICE_CODES.get(error.code, (ErrorCode.REFUSED, 409))
    return status, error_body(code, error.message, field=error.field, details=error.details)


# The error statuses every authenticated operation may answer.
READ_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {**READ_ERRORS, 409: ErrorOut, 413: ErrorOut}
