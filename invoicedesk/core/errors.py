"""Errors services raise, and the one table of what each answers: `ErrorCode`.

Each code carries its HTTP status, so the pages (`core.http.ServiceErrorMiddleware`) and the API
(`api.errors.error_answer`) answer a code alike and no code can go unmapped: a member declared without its status
fails at import, and `ServiceError` takes an `ErrorCode`, never a free string (mypy holds that).

`NotFound` and `Forbidden` are not `ServiceError`s: a view that shows a refusal next to its form catches
`ServiceError` and lets those two pass to the middleware, with no `except (NotFound, Forbidden): raise`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Self

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


class ErrorCode(StrEnum):
    """Why a request was refused. The value is the stable code API clients branch on (docs/api.md) and every JSON
    error carries; `status` is the HTTP status the pages and the API answer it with."""

    status: int
    default_message: Promise | None

    def __new__(cls, value: str, status: int, default_message: Promise | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        member.default_message = default_message
        return member

    UNAUTHENTICATED = "unauthenticated", 401
    FORBIDDEN = "forbidden", 403, gettext_lazy("You are not allowed to do this.")
    SELF_APPROVAL_FORBIDDEN = "self_approval_forbidden", 403
    # Approvals need a session that passed the second factor where the organization requires it: never a key.
    SECOND_FACTOR_REQUIRED = "second_factor_required", 403
    NOT_FOUND = "not_found", 404, gettext_lazy("Not found")
    # The client's stated state of the payment (If-Match, expected_refundable) no longer holds.
    PAYMENT_CHANGED = "payment_changed", 412
    REQUEST_TOO_LARGE = "request_too_large", 413
    # Malformed: sending it again as it is cannot succeed (a schema mismatch, an address no page of ours makes).
    INVALID_REQUEST = "invalid_request", 422
    RATE_LIMITED = "rate_limited", 429
    # 409: well-formed, but the current state of things refuses it (it may pass later).
    AMOUNT_EXCEEDS_REFUNDABLE = "amount_exceeds_refundable", 409
    CLASSIFICATION_MISMATCH = "classification_mismatch", 409
    OUT_OF_SCOPE_PAYMENT_METHOD = "out_of_scope_payment_method", 409
    NOT_PAID = "not_paid", 409
    ADDON_NOT_VALID = "addon_not_valid", 409
    # Subscribing to the add-on: the connected account or the commerce disclosure page is not ready (`details.missing`).
    ADDON_PREREQUISITES_MISSING = "addon_prerequisites_missing", 409
    ADDON_NOT_ACTIVE = "addon_not_active", 409
    STRIPE_ACCOUNT_NOT_READY = "stripe_account_not_ready", 409
    STRIPE_ACCOUNT_DISCONNECTED = "stripe_account_disconnected", 409
    ALREADY_DECIDED = "already_decided", 409
    APPROVAL_EXPIRED = "approval_expired", 409
    CURRENCY_MISMATCH = "currency_mismatch", 409
    AWAITING_STRIPE = "awaiting_stripe", 409
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", 409
    POSSIBLE_DUPLICATE = "possible_duplicate", 409
    ALREADY_PAID = "already_paid", 409
    AMOUNT_NOT_CHARGEABLE = "amount_not_chargeable", 409
    # Any other rule: the message says which.
    REFUSED = "refused", 409
    # A refund Stripe refused is recorded FAILED, not answered as an error; its `failure` has the error's shape
    # with this code. Were it ever an answer, the fault was upstream of us: 502.
    STRIPE_ERROR = "stripe_error", 502


class AppError(Exception):
    """An error answered with its code's status and its message, in the reader's language (never a 500)."""

    default_code = ErrorCode.REFUSED

    def __init__(
        self,
        message: str | None = None,
        *,
        code: ErrorCode | None = None,
        field: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        self.code: ErrorCode = code or self.default_code
        self.message: str = message if message is not None else str(self.code.default_message or self.code.value)
        super().__init__(self.message)
        # The form field (or API request field) the message belongs next to, if any.
        self.field = field
        # Facts a program may act on (e.g. the Refundable Amount that capped a refund), JSON-ready.
        self.details: dict[str, object] = dict(details or {})

    @property
    def status(self) -> int:
        return self.code.status


class ServiceError(AppError):
    """A rule refused the action; `message` is shown to the user as it is, next to the form's `field` if any."""


class NotFound(AppError):
    """Missing, or belongs to another organization: the same answer either way (404)."""

    default_code = ErrorCode.NOT_FOUND


class Forbidden(AppError):
    """The user's role (or the session: no second factor yet) does not allow this: 403."""

    default_code = ErrorCode.FORBIDDEN


class InvalidInput(ServiceError):
    """The request itself is malformed (an edited address, a value no page of ours produces): answered with the
    message, never a 500; sending it again as it is cannot succeed."""

    default_code = ErrorCode.INVALID_REQUEST
