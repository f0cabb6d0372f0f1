from __future__ import annotations

import csv
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoicedesk.accounting.registry import buyer_number_flag, check_enabled, own_number_invalid, record_for
from invoicedesk.accounts.models import Membership, Role
from invoicedesk.accounts.second_factor import member_second_factor_reset, members_with_second_factor
from invoicedesk.accounts.services import (
    SETTINGS_FIELDS,
    member_change_role,
    member_invite,
    member_remove,
    organization_settings_update,
)
from invoicedesk.accounts.tenancy import tenant_view
from invoicedesk.audit.models import AuditEntry
from invoicedesk.audit.selectors import (
    AuditFilters,
    audit_entries,
    audit_last_verification,
    audit_page,
    audit_rows_for_export,
)
from invoicedesk.billing.models import PaymentMethod
from invoicedesk.billing.selectors import (
    Cursor,
    ExportRow,
    SearchHits,
    invoice_export_rows,
    invoice_get,
    invoice_page,
    parse_sort,
    search_hits,
)
from invoicedesk.core.errors import ErrorCode, Forbidden, ServiceError
from invoicedesk.core.http import client_ip, query_id
from invoicedesk.core.money import Money
from invoicedesk.documents.selectors import document_get
from invoicedesk.notifications.selectors import buyer_email_get
from invoicedesk.payments.addon import addon_cancel, addon_offer, addon_subscribe
from invoicedesk.payments.connect import connect_account_refresh, connect_onboarding_url, connected_account_of
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.payments.selectors import public_pay_url, transactions_window
from invoicedesk.refunds.models import Dispute, Refund, RefundClassification, RefundReason, RefundStatus
from invoicedesk.refunds.search import refund_page, refund_rows_for_export, refunds_search
from invoicedesk.refunds.selectors import (
    HeldMoney,
    held_money,
    held_money_of_links,
    held_totals,
    in_flight_fingerprint,
    link_disputes,
    open_disputes_of_links,
    refund_offer,
    refunds_for_link,
    refunds_in_flight,
)
from invoicedesk.stripe_integration.gateway import StripeGatewayError, dashboard_payment_url

from .audit_text import audit_rows
from .forms import AuditFilterForm, InvoiceSearchForm, MemberInviteForm, OrganizationSettingsForm, RefundSearchForm
from .rows import held_lines, history_rows, invoice_rows, link_status_badge, refundable_explained


def _search_form(request: HttpRequest, membership: Membership) -> InvoiceSearchForm:
    # Always bound: every field is optional, so an empty query is a valid search for everything.
    return InvoiceSearchForm(request.GET, currency=membership.organization.currency)


@require_GET
@tenant_view
def invoice_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = _search_form(request, membership)
    sort_field, descending = parse_sort(request.GET.get("sort"))
    page = None
    filters = form.filters() if form.is_valid() else None
    hits: dict[int, SearchHits] = {}
    held: dict[int, HeldMoney] = {}
    disputes: dict[int, list[Dispute]] = {}
    if filters is not None:
        page = invoice_page(
            organization=membership.organization,
            filters=filters,
            sort=request.GET.get("sort"),
            after=Cursor.from_link(request.GET.get("after"), sort=request.GET.get("sort")),
            before=Cursor.from_link(request.GET.get("before"), sort=request.GET.get("sort")),
        )
        if filters.search is not None:
            hits = search_hits(term=filters.search, rows=page.rows)
        settled = [
            link for invoice in page.rows if (link := getattr(invoice, "payment_link", None)) and link.is_settled
        ]
        held = held_money_of_links(organization=membership.organization, links=settled)
        disputes = open_disputes_of_links(organization=membership.organization, links=settled)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    search = filters.search.text if filters and filters.search else ""
    return render(
        request,
        "backoffice/invoice_list.html",
        {
            "form": form,
            "active_filters": active_filters(form),
            "page": page,
            "sort_field": sort_field,
            "sort_descending": descending,
            "query": query,
            "search": search,
            "rows": invoice_rows(page.rows, hits=hits, search=search, held=held, disputes=disputes) if page else [],
        },
    )


def active_filters(form: forms.Form) -> int:
    """How many detailed filters the search uses (the search box aside): said on the button that folds them."""
    data = form.data
    count = 0
    for name in form.fields:
        values = data.getlist(name) if isinstance(data, QueryDict) else [data.get(name) or ""]
        if name not in {"q", "sort"} and any(str(value).strip() for value in values):
            count += 1
    return count


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer streaming."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    # Labels are translated now, in the request's language: the body streams after the view returns.
    header = [
        _("Billing Invoice No."),
        _("Bill to"),
        _("Issue date"),
        _("Due date"),
        _("Billing Amount"),
        _("Currency"),
        _("Payment method"),
        _("Online Payment Link Status"),
        _("Refunded"),
    ]
    methods = {value: str(label) for value, label in PaymentMethod.choices}
    statuses = {value: str(label) for value, label in PaymentLinkStatus.choices}

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        # The BOM lets spreadsheet programs read the Japanese names as UTF-8.
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(
                [
                    row.number,
                    row.bill_to,
                    row.issue_date.isoformat(),
                    row.due_date.isoformat(),
                    Money(row.amount, row.currency).plain(),
                    row.currency,
                    methods[row.payment_method],
                    statuses[row.link_status] if row.link_status else "",
                    Money(row.amount_refunded, row.paid_currency or row.currency).plain()
                    if row.amount_refunded
                    else "",
                ]
            )

    return lines()


@require_GET
@tenant_view
def invoice_export(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    form = _search_form(request, membership)
    if not form.is_valid():
        return HttpResponse(
            form.errors.as_text(), status=ErrorCode.INVALID_REQUEST.status, content_type="text/plain; charset=utf-8"
        )
    rows = invoice_export_rows(
        organization=membership.organization, filters=form.filters(), sort=request.GET.get("sort")
    )
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="billing-invoices-{stamp}.csv"'
    return response


@require_GET
@tenant_view
def refund_list(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    """The Refunds tab: every refund of the organization, any combination of the filters; CSV of the whole result."""
    form = RefundSearchForm(request.GET, currency=membership.organization.currency)
    if not form.is_valid():
        if request.GET.get("format") == "csv":
            return HttpResponse(
                form.errors.as_text(), status=ErrorCode.INVALID_REQUEST.status, content_type="text/plain; charset=utf-8"
            )
        return render(
            request,
            "backoffice/refund_list.html",
            {"form": form, "rows": None, "query": request.GET, "active_filters": active_filters(form)},
        )
    refunds = refunds_search(organization=membership.organization, filters=form.filters())
    if request.GET.get("format") == "csv":
        return _refunds_csv(refunds)
    rows, next_cursor = refund_page(refunds, before_id=query_id(request, "before"))
    query = request.GET.copy()
    query.pop("before", None)
    term = form.filters().search
    # What the refunds found hold and have not returned yet, whichever page of them is shown.
    held = [
        line
        for money in held_totals(organization=membership.organization, refunds=refunds)
        for line in held_lines(money)
    ]
    context = {
        "form": form,
        "active_filters": active_filters(form),
        "rows": rows,
        "held": held,
        "next_cursor": next_cursor,
        "query": query,
        "search": term.text if term else "",
        "search_amount": term.amount if term else None,
    }
    return render(request, "backoffice/refund_list.html", context)


def _refunds_csv(refunds: QuerySet[Refund]) -> StreamingHttpResponse:
    header = [
        _("Refund date"),
        _("Billing Invoice No."),
        _("Bill to"),
        _("Buyer email"),
        _("Refund Amount"),
        _("Currency"),
        _("Refund type"),
        _("Status"),
        _("Reason"),
        _("Stripe refund ID"),
        _("Requested by"),
        _("Requested at"),
    ]
    zone = timezone.get_current_timezone()  # the body streams after the request's zone is gone
    classifications = {value: str(label) for value, label in RefundClassification.choices}
    statuses = {value: str(label) for value, label in RefundStatus.choices}
    reasons = {value: str(label) for value, label in RefundReason.choices}

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"
        yield writer.writerow(header)
        for refund in refund_rows_for_export(refunds):
            invoice = refund.payment_link.invoice
            yield writer.writerow(
                [
                    timezone.localtime(refund.succeeded_at or refund.requested_at, zone).isoformat(),
                    invoice.number,
                    invoice.buyer.company_name,
                    invoice.buyer.email,
                    refund.money.plain(),
                    refund.currency,
                    classifications.get(refund.classification, refund.classification),
                    statuses.get(refund.status, refund.status),
                    reasons.get(refund.reason, ""),
                    refund.stripe_refund_id,
                    refund.requested_by.email if refund.requested_by else refund.get_source_display(),
                    timezone.localtime(refund.requested_at, zone).isoformat(),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="refunds-{stamp}.csv"'
    return response


@require_GET
@tenant_view
def invoice_detail(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    tab = "transactions" if request.GET.get("tab") == "transactions" else "details"
    before_id = query_id(request, "before")
    transactions, older_id = (
        transactions_window(invoice=invoice, before_id=before_id) if tab == "transactions" else (None, None)
    )
    if before_id is not None and request.headers.get("HX-Request"):
        # The "Older entries" link (htmx): only the next window's rows, which replace the link's own row.
        return render(
            request,
            "backoffice/_history_rows.html",
            {"invoice": invoice, "history": history_rows(transactions or []), "older_id": older_id},
        )
    link = getattr(invoice, "payment_link", None)
    in_flight = refunds_in_flight(link) if link else []
    offer = refund_offer(membership=membership, invoice=invoice)
    held = held_money(link) if link and link.is_settled else None
    return render(
        request,
        "backoffice/invoice_detail.html",
        {
            "invoice": invoice,
            "payment_link": link,
            "payment_link_status": link_status_badge(link),
            "payment_link_url": public_pay_url(request, link) if link else "",
            "can_manage_links": membership.role_enum.can_manage_payment_links,
            "refund_offer": offer,
            "disputes": link_disputes(link) if link and link.is_settled else [],
            "held": held,
            "held_lines": held_lines(held),
            "refundable_explained": refundable_explained(link, held, offer.refundable)
            if link and held and offer.refundable
            else "",
            "refunds_in_flight": in_flight,
            "in_flight_fingerprint": in_flight_fingerprint(in_flight),
            "refunds": refunds_for_link(link) if link and tab == "transactions" else [],
            "stripe_dashboard_url": dashboard_payment_url(link.stripe_payment_intent_id)
            if link and link.stripe_payment_intent_id
            else "",
            "history": history_rows(transactions or []),
            "older_id": older_id,
            "history_from_newest": before_id is None,
            "tab": tab,
            # The buyer's registration number not valid on the sale's date (the registry's stored answer).
            "registry_flag": buyer_number_flag(invoice),
            "buyer_registry": record_for(invoice.buyer.invoice_registration_number) if check_enabled() else None,
        },
    )


# The email page frames the email's own HTML from this site; the HTML itself is shown as a mail client would:
# its inline styles apply, nothing runs (the frame is sandboxed and the policy allows no script).
EMAIL_PAGE_CSP: dict[str, Collection[str] | str] = {
    **cast(dict[str, Collection[str] | str], settings.SECURE_CSP),
    "frame-src": [CSP.SELF],
}
EMAIL_HTML_CSP: dict[str, Collection[str] | str] = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["https:", "data:"],
    "frame-ancestors": [CSP.SELF],
}


@require_GET
@tenant_view
@csp_override(EMAIL_PAGE_CSP)
def buyer_email(request: HttpRequest, membership: Membership, invoice_id: int, notification_id: int) -> HttpResponse:
    """The refund email a buyer was sent (or will be), opened from the Payment Transaction tab."""
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    email = buyer_email_get(
        organization=membership.organization, invoice_id=invoice.pk, notification_id=notification_id
    )
    return render(request, "backoffice/buyer_email.html", {"invoice": invoice, "email": email})


@require_GET
@tenant_view
def refund_document(request: HttpRequest, membership: Membership, invoice_id: int, document_id: int) -> HttpResponse:
    """A qualified return invoice, byte for byte as issued (its SHA-256 in a header to check it by)."""
    document = document_get(organization=membership.organization, invoice_id=invoice_id, document_id=document_id)
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-SHA256"] = document.sha256
    return response


@require_GET
@tenant_view
@xframe_options_sameorigin
@csp_override(EMAIL_HTML_CSP)
def buyer_email_html(
    request: HttpRequest, membership: Membership, invoice_id: int, notification_id: int
) -> HttpResponse:
    email = buyer_email_get(
        organization=membership.organization, invoice_id=invoice_id, notification_id=notification_id
    )
    return HttpResponse(email.html, content_type="text/html; charset=utf-8")


@require_http_methods(["GET", "POST"])
@tenant_view
def organization_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    if not membership.role_enum.can_administer:
        raise Forbidden(_("Only admins can change the organization's settings."))
    organization = membership.organization
    initial = {name: getattr(organization, name) for name in SETTINGS_FIELDS}
    form = OrganizationSettingsForm(request.POST or None, initial=initial, currency=organization.currency)
    if request.method == "POST" and form.is_valid():
        try:
            organization_settings_update(actor=membership, settings=form.settings(), ip_address=client_ip(request))
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("backoffice:organization_settings")
    return render(
        request,
        "backoffice/organization_settings.html",
        {
            "form": form,
            "organization": organization,
            "invite_form": MemberInviteForm(),
            "members": organization.memberships.select_related("user").order_by("user__email"),
            "two_factor_users": members_with_second_factor(organization),
            "roles": Role.choices,
            "registry_check_on": check_enabled(),
            "own_registry": record_for(organization.invoice_registration_number) if check_enabled() else None,
            "own_registry_invalid": own_number_invalid(organization, today=timezone.localdate()),
            "connected_account": connected_account_of(organization),
            "addon_offer": addon_offer(organization=organization),
        },
    )


def _settings_action(request: HttpRequest, run: Callable[[], object], done: str, *, section: str) -> HttpResponse:
    """Run a Settings button's service; say what it did or why not, back at the button's section."""
    try:
        run()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(reverse("backoffice:organization_settings") + f"#{section}")


def _member_action(request: HttpRequest, run: Callable[[], object], done: str) -> HttpResponse:
    return _settings_action(request, run, done, section="members")


@require_POST
@tenant_view
def addon_subscribe_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The Subscribe button: the service decides (prerequisites, role); the page only shows what it said."""
    ip_address = client_ip(request)
    return _settings_action(
        request,
        lambda: addon_subscribe(actor=membership, ip_address=ip_address),
        _("The Stripe Credit Card Payment Add-on is active: payment links can be issued."),
        section="addon",
    )


@require_POST
@tenant_view
def addon_cancel_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    ip_address = client_ip(request)
    return _settings_action(
        request,
        lambda: addon_cancel(actor=membership, ip_address=ip_address),
        _(
            "The Stripe Credit Card Payment Add-on is canceled: no new payment links; payments settled before "
            "remain refundable."
        ),
        section="addon",
    )


@require_POST
@tenant_view
def stripe_connect(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Connect a Stripe account, or continue its onboarding: off to Stripe's hosted onboarding."""
    here = request.build_absolute_uri(reverse("backoffice:organization_settings"))
    try:
        url = connect_onboarding_url(
            actor=membership,
            # An expired or reused Account Link sends the admin back to Settings, where the button makes a new one.
            refresh_url=here + "#stripe-account",
            return_url=request.build_absolute_uri(reverse("backoffice:stripe_connect_return")),
            ip_address=client_ip(request),
        )
    except StripeGatewayError as error:
        messages.error(request, _("Stripe did not open the onboarding: %(message)s") % {"message": error.message})
        return redirect(reverse("backoffice:organization_settings") + "#stripe-account")
    return redirect(url)


@require_GET
@tenant_view
def stripe_connect_return(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Back from Stripe's onboarding: how the account stands is Stripe's word, asked now."""
    if not membership.role_enum.can_administer:
        raise Forbidden(_("Only admins can connect a Stripe account."))
    try:
        connect_account_refresh(organization=membership.organization)
    except StripeGatewayError as error:
        messages.warning(request, _("Stripe did not answer yet: %(message)s") % {"message": error.message})
    return redirect(reverse("backoffice:organization_settings") + "#stripe-account")


@require_POST
@tenant_view
def member_invite_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = MemberInviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(reverse("backoffice:organization_settings") + "#members")
    email = form.cleaned_data["email"]
    return _member_action(
        request,
        lambda: member_invite(
            actor=membership,
            email=email,
            role=Role(form.cleaned_data["role"]),
            base_url=settings.PUBLIC_BASE_URL or request.build_absolute_uri("/").rstrip("/"),
            ip_address=client_ip(request),
        ),
        _("%(email)s was added.") % {"email": email},
    )


@require_POST
@tenant_view
def member_update_view(request: HttpRequest, membership: Membership, membership_id: int) -> HttpResponse:
    ip_address = client_ip(request)
    if request.POST.get("action") == "reset_two_factor":
        return _member_action(
            request,
            lambda: member_second_factor_reset(actor=membership, membership_id=membership_id, ip_address=ip_address),
            _("Two-factor sign-in reset: they set it up again at their next approval or settings change."),
        )
    if request.POST.get("action") == "remove":
        return _member_action(
            request,
            lambda: member_remove(actor=membership, membership_id=membership_id, ip_address=ip_address),
            _("Member removed."),
        )
    role = request.POST.get("role", "")
    if role not in Role.values:
        messages.error(request, _("Choose a role."))
        return redirect(reverse("backoffice:organization_settings") + "#members")
    return _member_action(
        request,
        lambda: member_change_role(
            actor=membership, membership_id=membership_id, role=Role(role), ip_address=ip_address
        ),
        _("Role changed."),
    )


def _audit_filters(form: AuditFilterForm, membership: Membership) -> AuditFilters:
    data = form.cleaned_data
    objects = None
    number = (data.get("invoice_number") or "").strip()
    if number:
        # Entries about the invoice's payment link and its refunds.
        links = PaymentLink.objects.filter(
            invoice__organization=membership.organization, invoice__number=number
        ).values_list("pk", flat=True)
        refunds = Refund.objects.filter(organization=membership.organization, payment_link__in=links).values_list(
            "pk", flat=True
        )
        objects = (
            ("payments.PaymentLink", tuple(str(pk) for pk in links)),
            ("refunds.Refund", tuple(str(pk) for pk in refunds)),
        )
    return AuditFilters(
        since=data.get("since"),
        until=data.get("until"),
        actor=(data.get("actor") or "").strip(),
        action=data.get("action") or "",
        objects=objects,
    )


@require_GET
@tenant_view
def audit_log(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    if not membership.role_enum.can_administer:
        raise Forbidden(_("Only admins can read the audit log."))
    form = AuditFilterForm(request.GET)
    rows: list[AuditEntry] = []
    next_cursor = None
    if form.is_valid():
        entries = audit_entries(organization=membership.organization, filters=_audit_filters(form, membership))
        if request.GET.get("format") == "csv":
            return _audit_csv(entries)
        rows, next_cursor = audit_page(entries, before_id=query_id(request, "before"))
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "backoffice/audit_log.html",
        {
            "form": form,
            "rows": audit_rows(rows),
            "next_cursor": next_cursor,
            "query": query,
            "verification": audit_last_verification(organization=membership.organization),
        },
    )


def _audit_csv(entries: QuerySet[AuditEntry]) -> StreamingHttpResponse:
    header = [_("Time"), _("Who"), _("Action"), _("Object"), _("Before"), _("After"), _("IP address")]
    # The body streams after the view returns, when the request's time zone is no longer active: keep it.
    zone = timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield "\ufeff"
        yield writer.writerow(header)
        for entry in audit_rows_for_export(entries):
            yield writer.writerow(
                [
                    timezone.localtime(entry.created_at, zone).isoformat(),
                    entry.actor.email if entry.actor else "",
                    entry.action,
                    f"{entry.object_type}#{entry.object_id}",
                    json.dumps(entry.before, ensure_ascii=False, default=str),
                    json.dumps(entry.after, ensure_ascii=False, default=str),
                    entry.ip_address or "",
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
