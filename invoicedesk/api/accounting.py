"""The books through the API: the same journal lines as the Accounting export page, as plain CSV or JSON (or any
of the page's formats), streamed. Admins and accountants only; every export is audited."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.params.functions import Query as QueryParam

from invoicedesk.accounting.exports import ExportFormat, content_type, export_bytes, filename
from invoicedesk.accounting.forms import MAX_DAYS
from invoicedesk.accounting.journal import Period, journal_entries
from invoicedesk.accounting.services import accounting_export_record
from invoicedesk.core.errors import ServiceError

from .auth import member
from .errors import WRITE_ERRORS

router = Router(tags=["accounting"])

DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FormatName = Literal["json", "csv", "freee", "moneyforward", "yayoi"]
StartParam = QueryParam(..., pattern=DAY, description="First day, in the organization's time zone (YYYY-MM-DD).")
EndParam = QueryParam(..., pattern=DAY, description="Last day, inclusive (YYYY-MM-DD).")
FormatParam = QueryParam("json", description="json, csv, or an accounting product's import format.")


@router.get(
    "/journal",
    response={200: None, **WRITE_ERRORS},
    operation_id="accounting_journal",
    summary="Journal entries of a period (payments, Stripe fees, refunds per tax rate, reversals), streamed",
)
def accounting_journal(
    request: HttpRequest,
    start: str = StartParam,
    end: str = EndParam,
    format: FormatName = FormatParam,
) -> StreamingHttpResponse:
    membership = member(request)
    # A well-formed request whose period cannot be: refused like any other rule (409), as docs/api.md says.
    problem = ServiceError(
        _("Give a period of 1 to %(days)s days, the end not before the start.") % {"days": MAX_DAYS},
        field="end",
    )
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise problem from None
    if last < first or last - first > timedelta(days=MAX_DAYS - 1):
        raise problem
    period, export_format = Period(first, last), ExportFormat(format)
    accounting_export_record(
        actor=membership,
        export_format=export_format,
        period=period,
        channel="api",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    entries = journal_entries(organization=membership.organization, period=period)
    response = StreamingHttpResponse(export_bytes(entries, export_format), content_type=content_type(export_format))
    name = filename(export_format, first.isoformat(), last.isoformat())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
