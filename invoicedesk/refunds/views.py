"""The Refund Billing Amount modal: form → confirmation → execution. htmx swaps it in place;
without JavaScript the same views serve whole pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.selectors import invoice_get
from invoicedesk.core.errors import Forbidden, NotFound, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.core.tenancy import tenant_view

from . import services
from .forms import RefundForm
from .models import Refund, RefundStatus
from .selectors import refund_offer


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _outcome_message(request: HttpRequest, refund: Refund) -> None:
    amount = refund.money.format()
    match refund.status:
        case RefundStatus.SUCCEEDED:
            messages.success(request, _("Refunded %(amount)s. The buyer is being emailed.") % {"amount": amount})
        case RefundStatus.PENDING:
            messages.info(
                request, _("Stripe accepted the refund of %(amount)s and is still processing it.") % {"amount": amount}
            )
        case RefundStatus.PENDING_APPROVAL:
            messages.info(request, _("The refund of %(amount)s awaits approval by another user.") % {"amount": amount})
        case RefundStatus.FAILED:
            messages.error(
                request,
                _("Stripe refused the refund of %(amount)s: %(message)s Nothing was refunded.")
                % {"amount": amount, "message": refund.failure_message},
            )
        case _:  # PROCESSING: Stripe has not answered yet
            messages.warning(
                request,
                _(
                    "The refund of %(amount)s is awaiting confirmation from Stripe. Its amount stays reserved; "
                    "do not refund it again."
                )
                % {"amount": amount},
            )


@require_http_methods(["GET", "POST"])
@tenant_view
def refund_modal(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    offer = refund_offer(membership=membership, invoice=invoice)
    if not membership.role_enum.can_request_refund:
        raise PermissionDenied(_("Your role cannot refund payments."))
    detail_url = reverse("billing:invoice_detail", kwargs={"invoice_id": invoice.pk})
    refundable = offer.refundable or Money(0, invoice.currency)
    form = RefundForm(request.POST or None, currency=invoice.currency, refundable=refundable)
    context: dict[str, object] = {
        "invoice": invoice,
        "offer": offer,
        "form": form,
        "detail_url": detail_url,
        "step": "form",
    }
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step", "confirm")
        refund_input = form.refund_input(invoice_id=invoice.pk)
        try:
            if step == "execute":
                refund = services.refund_request(actor=membership, request=refund_input, ip_address=_client_ip(request))
                refund.refresh_from_db()
                _outcome_message(request, refund)
                target = f"{detail_url}?tab=transactions"
                if _is_htmx(request):
                    return HttpResponse(status=204, headers={"HX-Redirect": target})
                return redirect(target)
            quote = services.refund_quote(
                actor=membership,
                invoice_id=invoice.pk,
                amount=refund_input.amount,
                classification=refund_input.classification,
                shown_refundable=refund_input.shown_refundable,
            )
        except NotFound:
            raise Http404 from None
        except Forbidden as error:
            raise PermissionDenied(error.message) from None
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if step != "edit":
                context.update(step="confirm", quote=quote, refund_input=refund_input)
    template = "refunds/_modal.html" if _is_htmx(request) else "refunds/refund_page.html"
    return render(request, template, context)


@require_POST
@tenant_view
def refund_preview(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    """The live preview under the amount input: refund now, net paid after it, status after it."""
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    offer = refund_offer(membership=membership, invoice=invoice)
    form = RefundForm(
        request.POST, currency=invoice.currency, refundable=offer.refundable or Money(0, invoice.currency)
    )
    quote = error = None
    if not (request.POST.get("amount", "").strip() or request.POST.get("classification")):
        pass  # nothing typed yet: no preview, no complaint
    elif form.is_valid():
        try:
            quote = services.refund_quote(
                actor=membership,
                invoice_id=invoice.pk,
                amount=form.cleaned_data["amount"],
                classification=form.cleaned_data["classification"],
                shown_refundable=form.cleaned_data.get("shown_refundable"),
            )
        except NotFound:
            raise Http404 from None
        except ServiceError as failure:
            error = failure.message
    else:
        error = " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
    return render(request, "refunds/_preview.html", {"quote": quote, "error": error})
