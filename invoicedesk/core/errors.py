"""Errors services raise. Views turn them into 404, 403 or a message next to the form."""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    """A rule refused the action; `message` is shown to the user as it is."""

    code = "refused"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # The form field the message belongs next to, if any.
        self.field = field
        # Facts a program may act on (e.g. the Refundable Amount that capped a refund), JSON-ready.
        self.details: dict[str, object] = dict(details or {})


class NotFound(ServiceError):
    """Missing, or belongs to another organization: the same answer either way."""

    code = "not_found"


class Forbidden(ServiceError):
    """The user's role does not allow this."""

    code = "forbidden"


class InvalidInput(ServiceError):
    """The request itself is malformed (an edited address, a value no page of ours produces): answered 400 with
    the message, never a 500; sending it again as it is cannot succeed."""

    code = "invalid_request"
