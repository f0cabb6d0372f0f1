"""The API's one error shape, {code, message, field, details}.

The codes and their statuses are `core.errors.ErrorCode`, the same table the pages answer from: a service's
`ServiceError`, `NotFound` or `Forbidden` is answered with its code's status and the code as it is.

Statuses: 422 means the request itself is malformed (`invalid_request`: the schema says why); 409 means it is
well-formed but the current state of things refuses it (the Refundable Amount, the payment, a decision taken).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from invoicedesk.core.errors import AppError, ErrorCode

__all__ = ["READ_ERRORS", "WRITE_ERRORS", "ErrorCode", "ErrorOut", "error_answer", "error_body"]


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


def error_answer(error: AppError) -> tuple[int, dict[str, Any]]:
    return error.status, error_body(error.code, error.message, field=error.field, details=error.details)


# The error statuses every authenticated operation may answer.
READ_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {**READ_ERRORS, 409: ErrorOut, 413: ErrorOut}
