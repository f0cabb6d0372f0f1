"""The REST API at /api/v1/ (django-ninja): thin handlers over the same services and selectors as the pages.

Every rule lives in the services; a handler parses, calls one service or selector, and renders. Errors have
one shape (errors.py); docs/api.md says how a client uses it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params.functions import Header, Path
from ninja.params.functions import Query as QueryParam
from ninja.parser import Parser
from pydantic import BeforeValidator, Field

from invoicedesk.accounts.models import Membership
from invoicedesk.alerts.selectors import alerts_for
from invoicedesk.alerts.services import alert_acknowledge
from invoicedesk.audit.selectors import AuditFilters, audit_entries, audit_page
from invoicedesk.billing.selectors import Cursor, InvoiceFilters, invoice_get, invoice_page, parse_sort
from invoicedesk.core.errors import AppError, Forbidden, NotFound, ServiceError
from invoicedesk.core.http import client_ip
from invoicedesk.core.models import MAX_ID
from invoicedesk.payments.selectors import public_pay_url, transactions_for_invoice
from invoicedesk.payments.services import payment_link_cancel, payment_link_issue
from invoicedesk.refunds.approvals import refund_approve, refund_cancel, refund_reject
from invoicedesk.refunds.controls import payment_state
from invoicedesk.refunds.models import Refund, RefundClassification
from invoicedesk.refunds.selectors import (
    approvals_pending,
    refund_find,
    refund_offer,
    refunds_for_link,
    refunds_of_organization,
)
from invoicedesk.refunds.services import RefundInput, refund_request

from . import schemas as out
from .accounting import router as accounting_router
from .auth import ApiKeyAuth, SessionAuth, Unauthenticated, member
from .errors import READ_ERRORS, WRITE_ERRORS, ErrorCode, ErrorOut, error_answer, error_body
from .idempotency import idempotent_request_get, idempotent_request_remember, refund_key_for
from .keys import RateLimited

# Text the database can store: PostgreSQL refuses NUL characters.
NO_NUL = out.NO_NUL
# Audit filter dates are turned into aware datetimes; outside these, the conversion to UTC would overflow
# (and no entry is older than the first, nor newer than the last).
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)


def _within(day: date | None) -> date | None:
    return None if day is None else min(max(day, EARLIEST), LATEST)


def _iso_date_only(value: object) -> object:
    # pydantic would also read "0" or a timestamp as a date; the schema promises YYYY-MM-DD.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]


class RequestTooLarge(Exception):
    """A body larger than settings.API_MAX_BODY_BYTES: 413, before any of it is parsed."""


class _BoundedJsonParser(Parser):
    """JSON bodies up to settings.API_MAX_BODY_BYTES (a refund's body is well under 10 kB); a larger one is refused
    with 413 before it is parsed. Past DATA_UPLOAD_MAX_MEMORY_SIZE Django itself refuses to read it (also 413)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if len(request.body) > settings.API_MAX_BODY_BYTES:
            raise RequestTooLarge
        return super().parse_body(request)


api = NinjaAPI(
    title="invoicedesk API",
    version="1",
    description=(
        "Invoices, payment links, refunds, approvals, alerts and the audit log of one organization, over the "
        "same rules as the pages. Authenticate with `Authorization: Bearer <API key>` (made on the API keys "
        "page). Amounts are integers of the currency's minor unit. Errors are `{code, message, field, details}` "
        "with a stable `code`. See docs/api.md."
    ),
    urls_namespace="api",
    auth=[ApiKeyAuth(), SessionAuth()],
    parser=_BoundedJsonParser(),
)
api.add_router("/accounting", accounting_router)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse(body, status=status, encoder=DjangoJSONEncoder, safe=False, headers=headers)


def _error(
    code: ErrorCode,
    message: str,
    *,
    field: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """The error answer of `code`, with its status (core.errors.ErrorCode: the pages answer it alike)."""
    return _json(code.status, error_body(code, message, field=field, details=details), headers)


# ---------------------------------------------------------------- errors, in one shape


@api.exception_handler(AppError)
def _service_error(request: HttpRequest, error: AppError) -> HttpResponse:
    status, body = error_answer(error)
    return _json(status, body)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    problems = [
        {"location": [str(part) for part in problem.get("loc", ())], "message": str(problem.get("msg", ""))}
        for problem in error.errors
    ]
    location = problems[0]["location"] if problems else []
    field = location[-1] if location else None
    message = _("The request is not valid: %(problem)s") % {"problem": problems[0]["message"] if problems else ""}
    return _error(ErrorCode.INVALID_REQUEST, message, field=field, details={"errors": problems})


@api.exception_handler(Unauthenticated)
def _unauthenticated(request: HttpRequest, error: Unauthenticated) -> HttpResponse:
    return _error(ErrorCode.UNAUTHENTICATED, error.message, headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(AuthenticationError)
def _no_credentials(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    message = _("Send an API key: Authorization: Bearer <key>.")
    return _error(ErrorCode.UNAUTHENTICATED, message, headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    message = _("Too many requests with this API key. Try again in %(seconds)s seconds.") % {
        "seconds": error.retry_after
    }
    details = {"retry_after": error.retry_after}
    return _error(ErrorCode.RATE_LIMITED, message, details=details, headers={"Retry-After": str(error.retry_after)})


def _too_large() -> HttpResponse:
    message = _("The request body is larger than %(limit)s bytes.") % {"limit": settings.API_MAX_BODY_BYTES}
    details = {"limit_bytes": settings.API_MAX_BODY_BYTES}
    return _error(ErrorCode.REQUEST_TOO_LARGE, message, details=details)


@api.exception_handler(RequestDataTooBig)
def _body_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return _too_large()


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # django-ninja's own refusals: a failed CSRF check (403), a body that is not JSON (400, answered as every
    # malformed request is: 422 invalid_request), a body our parser refused for its size (400 around it: 413).
    if isinstance(error.__cause__, RequestTooLarge):
        return _too_large()
    if error.status_code == 403:
        return _error(ErrorCode.FORBIDDEN, str(error))
    if error.status_code == 404:
        return _error(ErrorCode.NOT_FOUND, str(error))
    return _error(ErrorCode.INVALID_REQUEST, str(error))


@api.exception_handler(Http404)
def _http404(request: HttpRequest, error: Http404) -> HttpResponse:
    return _error(ErrorCode.NOT_FOUND, _("Not found"))


def _bad_cursor() -> NotFound:
    # A cursor that matches its pattern but leads nowhere (ours are only ever handed out by a page).
    return NotFound(_("This cursor leads nowhere: use next_cursor as it was given."), field="cursor")


def _id_cursor(raw: str | None) -> int | None:
    if not raw:
        return None
    if len(raw) > 19 or not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise _bad_cursor()
    return int(raw)


def _keyset[T: Any](rows: QuerySet[T], *, cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    """A page of rows newest first by id (ids grow with time), and the cursor of the next page."""
    after = _id_cursor(cursor)
    if after is not None:
        rows = rows.filter(pk__lt=after)
    page = list(rows.order_by("-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, str(page[-1].pk) if page and more else None


ObjectId = Path(..., ge=1, le=MAX_ID)
Limit = QueryParam(50, ge=1, le=200, description="Page size.")
CursorParam = QueryParam(None, pattern=r"^[0-9]{1,19}$", description="next_cursor of the previous page.")
InvoiceCursorParam = QueryParam(
    None,
    pattern=r"^(-?[0-9]{1,19}|[0-9]{4}-[0-9]{2}-[0-9]{2})~[0-9]{1,19}$",
    description="next_cursor of the previous page, with the same filters and sort.",
)


# ---------------------------------------------------------------- invoices

SortName = Literal["issue_date", "-issue_date", "due_date", "-due_date", "amount", "-amount"]
LinkStatusFilter = Literal["UNPAID", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "EXPIRED", "CANCELED"]


class InvoiceQuery(Schema):
    number: str = Field("", max_length=64, pattern=NO_NUL, description="Billing Invoice No., exact or prefix.")
    bill_to: str = Field("", max_length=200, pattern=NO_NUL, description="Part of the buyer's company name.")
    issued_from: IsoDate | None = None
    issued_to: IsoDate | None = None
    amount_min: int | None = Field(None, ge=0, le=MAX_ID, description="Billing Amount, minor units.")
    amount_max: int | None = Field(None, ge=0, le=MAX_ID)
    status: list[LinkStatusFilter] = Field(default_factory=list, description="Online Payment Link Status.")
    payment_method: out.PaymentMethodName | None = None
    sort: SortName = "-issue_date"


def _invoice_cursor(raw: str | None, sort: str) -> Cursor | None:
    if not raw:
        return None
    cursor = Cursor.decode(raw)
    if cursor is None or cursor.pk > MAX_ID:
        raise _bad_cursor()
    field, _descending = parse_sort(sort)
    try:
        if field == "amount":
            if abs(int(cursor.value)) > MAX_ID:
                raise ValueError(cursor.value)
        else:
            date.fromisoformat(cursor.value)
    except ValueError:
        raise _bad_cursor() from None
    return cursor


@api.get(
    "/invoices",
    response={200: out.InvoicePageOut, **READ_ERRORS},
    tags=["invoices"],
    operation_id="invoice_list",
    summary="Search invoices (the Billing Management list's filters), a page at a time",
)
def invoice_list(
    request: HttpRequest, filters: Query[InvoiceQuery], cursor: str | None = InvoiceCursorParam, limit: int = Limit
) -> Any:
    membership = member(request)
    after = _invoice_cursor(cursor, filters.sort)
    page = invoice_page(
        organization=membership.organization,
        filters=InvoiceFilters(
            number=filters.number.strip(),
            bill_to=filters.bill_to.strip(),
            issued_from=filters.issued_from,
            issued_to=filters.issued_to,
            amount_min=filters.amount_min,
            amount_max=filters.amount_max,
            statuses=tuple(filters.status),
            payment_method=filters.payment_method or "",
        ),
        sort=filters.sort,
        after=after,
        size=limit,
    )
    return {
        "items": [out.invoice_out(invoice) for invoice in page.rows],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


@api.get(
    "/invoices/{invoice_id}",
    response={200: out.InvoiceDetailOut, **READ_ERRORS},
    tags=["invoices"],
    operation_id="invoice_get",
    summary="One invoice with its payment link, Refundable Amount, refunds and Payment Transaction history",
)
def invoice_detail(request: HttpRequest, response: HttpResponse, invoice_id: int = ObjectId) -> Any:
    membership = member(request)
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    link = getattr(invoice, "payment_link", None)
    offer = refund_offer(membership=membership, invoice=invoice)
    state = payment_state(link) if link is not None and link.is_settled else None
    if state is not None:
        response["ETag"] = f'"{state}"'
    response["Cache-Control"] = "private, no-store"
    return {
        "payment_state": state,
        **out.invoice_out(invoice),
        "payment_link": out.payment_link_out(link, url=public_pay_url(request, link)) if link else None,
        "refundable": out.money_out(offer.refundable) if offer.refundable is not None else None,
        "refunds": [out.refund_out(refund) for refund in refunds_for_link(link)] if link else [],
        "history": [out.history_row_out(row) for row in transactions_for_invoice(invoice=invoice)],
    }


# ---------------------------------------------------------------- payment links


@api.post(
    "/invoices/{invoice_id}/payment-link",
    response={200: out.PaymentLinkOut, **WRITE_ERRORS},
    tags=["payment links"],
    operation_id="payment_link_issue",
    summary="Issue the invoice's payment link, or re-issue it (new address, new expiry) before payment",
)
def payment_link_issue_endpoint(request: HttpRequest, invoice_id: int = ObjectId) -> Any:
    link = payment_link_issue(actor=member(request), invoice_id=invoice_id)
    return out.payment_link_out(link, url=public_pay_url(request, link))


@api.post(
    "/invoices/{invoice_id}/payment-link/cancel",
    response={200: out.PaymentLinkOut, **WRITE_ERRORS},
    tags=["payment links"],
    operation_id="payment_link_cancel",
    summary="Cancel the invoice's unpaid payment link",
)
def payment_link_cancel_endpoint(request: HttpRequest, invoice_id: int = ObjectId) -> Any:
    link = payment_link_cancel(actor=member(request), invoice_id=invoice_id)
    return out.payment_link_out(link, url=public_pay_url(request, link))


# ---------------------------------------------------------------- refunds


def _refund_body(membership: Membership, refund_id: int) -> dict[str, Any]:
    refund = refund_find(organization=membership.organization, refund_id=refund_id)
    return _as_json(out.RefundOut, out.refund_out(refund))


def _as_json(schema: type[Schema], body: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = schema.model_validate(body).model_dump(mode="json")
    return dumped


@api.post(
    "/refunds",
    response={201: out.RefundOut, 412: ErrorOut, **WRITE_ERRORS},
    tags=["refunds"],
    operation_id="refund_create",
    summary="Refund (part of) a payment; a held refund answers 201 with status PENDING_APPROVAL",
    description=(
        "The same `Idempotency-Key` with the same body returns the first answer (status and body, with the "
        "header `Idempotent-Replayed: true`); with another body it is refused with 409 `idempotency_key_reused`. "
        "Keys are unique per organization and remembered for at least 24 hours. To refuse a refund decided on a "
        "payment that has changed since, send `If-Match` with the invoice's ETag (`payment_state`) or "
        "`expected_refundable`: a changed payment answers 412 `payment_changed`, naming what changed. A refund "
        "that takes what the payment will have returned to the approval threshold or past it answers 201 with "
        "status PENDING_APPROVAL and `hold_reasons`."
    ),
)
def refund_create(
    request: HttpRequest,
    body: out.RefundCreateIn,
    idempotency_key: str = Header(
        ...,
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string of your own (a UUID is a good choice), one per refund you mean to make.",
    ),
    if_match: str | None = Header(
        None,
        alias="If-Match",
        max_length=200,
        description="The invoice's ETag (`payment_state`) the refund was decided on.",
    ),
) -> HttpResponse:
    membership = member(request)
    organization = membership.organization
    refund_input = RefundInput(
        invoice_id=body.invoice_id,
        amount=body.amount,
        currency=body.currency.upper(),
        classification=RefundClassification(body.classification),
        reason=body.reason or "",
        memo=body.memo.strip(),
        idempotency_key=refund_key_for(organization=organization, key=idempotency_key),
        expected_state=(if_match or "").strip().removeprefix("W/").strip('"') or None,
        expected_refundable=body.expected_refundable,
        confirm_repeat=body.confirm_repeat,
    )
    fingerprint = refund_input.fingerprint()
    remembered = idempotent_request_get(organization=organization, key=idempotency_key)
    if remembered is None:
        try:
            refund = refund_request(actor=membership, request=refund_input, ip_address=client_ip(request))
        # NotFound and Forbidden pass: nothing was attempted, so nothing is remembered.
        except ServiceError as error:
            if error.code is ErrorCode.IDEMPOTENCY_KEY_REUSED:
                raise  # the key belongs to another request, remembered by its refund
            status, answer = error_answer(error)
        else:
            status, answer = 201, _refund_body(membership, refund.pk)
        remembered, ours = idempotent_request_remember(
            organization=organization, key=idempotency_key, fingerprint=fingerprint, status_code=status, body=answer
        )
        if ours:
            return _json(status, answer)
        # A concurrent request with this key answered first: its answer is the answer.
    if remembered.fingerprint != fingerprint:
        message = _("This Idempotency-Key was already used with a different request. Use a new key for a new refund.")
        return _error(ErrorCode.IDEMPOTENCY_KEY_REUSED, message, field="Idempotency-Key")
    return _json(remembered.status_code, remembered.body, {"Idempotent-Replayed": "true"})


class RefundQuery(Schema):
    status: list[out.RefundStatusName] = Field(default_factory=list)
    invoice_id: int | None = Field(None, ge=1, le=MAX_ID)


@api.get(
    "/refunds",
    response={200: out.RefundPageOut, **READ_ERRORS},
    tags=["refunds"],
    operation_id="refund_list",
    summary="The organization's refunds, newest first",
)
def refund_list(
    request: HttpRequest, filters: Query[RefundQuery], cursor: str | None = CursorParam, limit: int = Limit
) -> Any:
    refunds = refunds_of_organization(
        organization=member(request).organization, statuses=tuple(filters.status), invoice_id=filters.invoice_id
    )
    rows, next_cursor = _keyset(refunds, cursor=cursor, limit=limit)
    return {"items": [out.refund_out(refund) for refund in rows], "next_cursor": next_cursor}


def _etag(body: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, cls=DjangoJSONEncoder).encode()).hexdigest()
    return f'"{digest[:32]}"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@api.get(
    "/refunds/{refund_id}",
    response={200: out.RefundOut, 304: None, **READ_ERRORS},
    tags=["refunds"],
    operation_id="refund_get",
    summary="One refund; poll it with If-None-Match until `final` is true",
)
def refund_get(request: HttpRequest, refund_id: int = ObjectId) -> HttpResponse:
    membership = member(request)
    body = _refund_body(membership, refund_id)
    etag = _etag(body)
    if _matches(request.headers.get("If-None-Match", ""), etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    return _json(200, body, {"ETag": etag, "Cache-Control": "private, no-cache"})


@api.post(
    "/refunds/{refund_id}/cancel",
    response={200: out.RefundOut, **WRITE_ERRORS},
    tags=["refunds"],
    operation_id="refund_cancel",
    summary="Withdraw a refund request still awaiting approval (its requester or an admin)",
)
def refund_cancel_endpoint(request: HttpRequest, refund_id: int = ObjectId) -> Any:
    membership = member(request)
    refund = refund_cancel(actor=membership, refund_id=refund_id, ip_address=client_ip(request))
    return _refund_body(membership, refund.pk)


# ---------------------------------------------------------------- approvals


@api.get(
    "/approvals",
    response={200: out.RefundPageOut, **READ_ERRORS},
    tags=["approvals"],
    operation_id="approval_list",
    summary="Refunds awaiting approval, newest first (approvers and admins)",
)
def approval_list(request: HttpRequest, cursor: str | None = CursorParam, limit: int = Limit) -> Any:
    membership = member(request)
    if not membership.role_enum.can_approve_refund:
        raise Forbidden(_("Your role cannot approve refunds."))
    pending: QuerySet[Refund] = approvals_pending(organization=membership.organization)
    rows, next_cursor = _keyset(pending, cursor=cursor, limit=limit)
    return {"items": [out.refund_out(refund) for refund in rows], "next_cursor": next_cursor}


@api.post(
    "/approvals/{refund_id}/approve",
    response={200: out.RefundOut, **WRITE_ERRORS},
    tags=["approvals"],
    operation_id="approval_approve",
    summary="Approve a held refund (another approver than its requester); it then goes to Stripe",
)
def approval_approve(request: HttpRequest, decision: out.DecisionIn, refund_id: int = ObjectId) -> Any:
    membership = member(request)
    refund = refund_approve(
        actor=membership,
        refund_id=refund_id,
        comment=decision.comment.strip(),
        ip_address=client_ip(request),
    )
    return _refund_body(membership, refund.pk)


@api.post(
    "/approvals/{refund_id}/reject",
    response={200: out.RefundOut, **WRITE_ERRORS},
    tags=["approvals"],
    operation_id="approval_reject",
    summary="Reject a held refund: nothing goes to Stripe and its amount is refundable again",
)
def approval_reject(request: HttpRequest, decision: out.DecisionIn, refund_id: int = ObjectId) -> Any:
    membership = member(request)
    refund = refund_reject(
        actor=membership,
        refund_id=refund_id,
        comment=decision.comment.strip(),
        ip_address=client_ip(request),
    )
    return _refund_body(membership, refund.pk)


# ---------------------------------------------------------------- alerts


@api.get(
    "/alerts",
    response={200: out.AlertPageOut, **READ_ERRORS},
    tags=["alerts"],
    operation_id="alert_list",
    summary="Alerts, newest first; open ones only unless include_acknowledged",
)
def alert_list(
    request: HttpRequest,
    include_acknowledged: bool = False,
    cursor: str | None = CursorParam,
    limit: int = Limit,
) -> Any:
    membership = member(request)
    if not membership.role_enum.can_see_alerts:
        raise Forbidden(_("Your role cannot see alerts."))
    alerts = alerts_for(organization=membership.organization, include_acknowledged=include_acknowledged)
    rows, next_cursor = _keyset(alerts, cursor=cursor, limit=limit)
    return {"items": [out.alert_out(alert) for alert in rows], "next_cursor": next_cursor}


@api.post(
    "/alerts/{alert_id}/acknowledge",
    response={200: out.AlertOut, **WRITE_ERRORS},
    tags=["alerts"],
    operation_id="alert_acknowledge",
    summary="Acknowledge an alert",
)
def alert_acknowledge_endpoint(request: HttpRequest, alert_id: int = ObjectId) -> Any:
    alert = alert_acknowledge(actor=member(request), alert_id=alert_id, ip_address=client_ip(request))
    return out.alert_out(alert)


# ---------------------------------------------------------------- audit


class AuditQuery(Schema):
    since: IsoDate | None = None
    until: IsoDate | None = None
    actor: str = Field("", max_length=254, pattern=NO_NUL, description="Part of the actor's email address.")
    action: str = Field("", max_length=64, pattern=NO_NUL, description="e.g. refund.request")


@api.get(
    "/audit-entries",
    response={200: out.AuditPageOut, **READ_ERRORS},
    tags=["audit"],
    operation_id="audit_entry_list",
    summary="The audit log, newest first (admins)",
)
def audit_entry_list(
    request: HttpRequest, filters: Query[AuditQuery], cursor: str | None = CursorParam, limit: int = Limit
) -> Any:
    membership = member(request)
    if not membership.role_enum.can_administer:
        raise Forbidden(_("Only admins can read the audit log."))
    entries = audit_entries(
        organization=membership.organization,
        filters=AuditFilters(
            since=_within(filters.since),
            until=_within(filters.until),
            actor=filters.actor.strip(),
            action=filters.action.strip(),
        ),
    )
    rows, next_cursor = audit_page(entries, before_id=_id_cursor(cursor), size=limit)
    return {
        "items": [out.audit_entry_out(entry) for entry in rows],
        "next_cursor": str(next_cursor) if next_cursor else None,
    }
