"""The Approvals page: approvers see refunds the policy holds, open one, and approve or reject it with a comment."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.tenancy import tenant_view
from invoicedesk.core.errors import Forbidden, ServiceError
from invoicedesk.core.http import client_ip

from .approvals import expires_at, refund_approve, refund_cancel, refund_reject
from .controls import hold_reasons_text
from .models import RefundStatus
from .selectors import approval_get, approvals_pending


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment (recorded in the history and the audit log)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@require_GET
@tenant_view
def approval_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    if not membership.role_enum.can_approve_refund:
        raise Forbidden(_("Your role cannot approve refunds."))
    now = timezone.now()
    rows = [
        (refund, max(int((expires_at(refund) - now).total_seconds() // 3600), 0))
        for refund in approvals_pending(organization=membership.organization)
    ]
    return render(request, "refunds/approvals.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@tenant_view
def approval_detail(request: HttpRequest, membership: Membership, refund_id: int) -> HttpResponse:
    if not membership.role_enum.can_approve_refund:
        raise Forbidden(_("Your role cannot approve refunds."))
    refund = approval_get(organization=membership.organization, refund_id=refund_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = request.POST.get("decision")
        comment = form.cleaned_data["comment"].strip()
        ip_address = client_ip(request)
        try:
            if decision == "approve":
                refund_approve(actor=membership, refund_id=refund.pk, comment=comment, ip_address=ip_address)
                messages.success(
                    request,
                    _("Approved: the refund of %(amount)s is being sent to Stripe.")
                    % {"amount": refund.money.format()},
                )
            elif decision == "reject":
                refund_reject(actor=membership, refund_id=refund.pk, comment=comment, ip_address=ip_address)
                messages.info(
                    request, _("Rejected: %(amount)s is refundable again.") % {"amount": refund.money.format()}
                )
            else:
                raise ServiceError(_("Choose Approve or Reject."))
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("refunds:approval_detail", refund_id=refund.pk)
        return redirect("refunds:approvals")
    return render(
        request,
        "refunds/approval_detail.html",
        {
            "refund": refund,
            "invoice": refund.payment_link.invoice,
            "form": form,
            "expires_at": expires_at(refund),
            "pending": refund.status == RefundStatus.PENDING_APPROVAL,
            "own_request": refund.requested_by_id == membership.user_id,
            "hold_reasons": hold_reasons_text(refund.hold_reasons),
        },
    )


@require_POST
@tenant_view
def refund_cancel_view(request: HttpRequest, membership: Membership, invoice_id: int, refund_id: int) -> HttpResponse:
    """The requester withdraws a held request (a button on the invoice's Payment Transaction tab)."""
    try:
        refund = refund_cancel(actor=membership, refund_id=refund_id, ip_address=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.info(
            request, _("Request canceled: %(amount)s is refundable again.") % {"amount": refund.money.format()}
        )
    return redirect(f"/billing/invoices/{invoice_id}/?tab=transactions")
