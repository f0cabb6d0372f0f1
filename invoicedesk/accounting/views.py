"""The Accounting export page under Billing Management: period, format, a preview of the first lines, download."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.tenancy import tenant_view
from invoicedesk.core.errors import ErrorCode

from .exports import content_type, encoding_report, export_bytes, filename, preview_rows
from .forms import AccountingSettingsForm, ExportForm
from .journal import journal_entries, settings_of
from .services import accounting_authorize, accounting_export_record, accounting_settings_update

PREVIEW_LINES = 10


def _this_month() -> dict[str, str]:
    today = timezone.localdate()
    first = today.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    last = date.fromordinal(following.toordinal() - 1)
    return {"start": first.isoformat(), "end": last.isoformat(), "format": "freee"}


@require_GET
@tenant_view
def accounting_export(request: HttpRequest, membership: Membership) -> HttpResponse:
    accounting_authorize(membership)
    form = ExportForm(request.GET or _this_month())
    context: dict[str, object] = {"form": form, "columns": None, "rows": [], "report": None}
    if form.is_valid():
        organization = membership.organization
        export_format, period = form.export_format(), form.period()
        columns, rows = preview_rows(
            journal_entries(organization=organization, period=period), export_format, PREVIEW_LINES
        )
        context.update(
            columns=columns,
            rows=rows,
            report=encoding_report(journal_entries(organization=organization, period=period), export_format),
            query=urlencode(
                {"start": period.start.isoformat(), "end": period.end.isoformat(), "format": export_format.value}
            ),
        )
    if membership.role_enum.can_administer:
        context["settings_form"] = AccountingSettingsForm(instance=settings_of(membership.organization))
    return render(request, "accounting/export.html", context)


@require_GET
@tenant_view
def accounting_download(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    form = ExportForm(request.GET)
    accounting_authorize(membership)
    if not form.is_valid():
        return HttpResponse(
            form.errors.as_text(), status=ErrorCode.INVALID_REQUEST.status, content_type="text/plain; charset=utf-8"
        )
    export_format, period = form.export_format(), form.period()
    accounting_export_record(
        actor=membership,
        export_format=export_format,
        period=period,
        channel="page",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    entries = journal_entries(organization=membership.organization, period=period)
    response = StreamingHttpResponse(export_bytes(entries, export_format), content_type=content_type(export_format))
    name = filename(export_format, period.start.isoformat(), period.end.isoformat())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@tenant_view
def accounting_settings(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    form = AccountingSettingsForm(request.POST, instance=settings_of(membership.organization))
    if form.is_valid():
        accounting_settings_update(
            actor=membership,
            values={name: form.cleaned_data[name] for name in form.fields},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        messages.success(request, _("Account names saved."))
    else:
        messages.error(request, _("Account names not saved: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("accounting:export")
