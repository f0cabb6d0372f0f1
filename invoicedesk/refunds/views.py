"""The Refund Billing Amount modal: form → confirmation → execution → progress. htmx swaps it in place;
without JavaScript the same views serve whole pages. Refusals that are not form errors (another tenant's
invoice, a role that may not refund) propagate to core.http.ServiceErrorMiddleware."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.tenancy import tenant_view
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.billing.selectors import invoice_get
from invoicedesk.core.errors import ErrorCode, Forbidden, ServiceError
from invoicedesk.core.http import client_ip, is_htmx
from invoicedesk.core.money import Money
from invoicedesk.core.notices import invoice_notices

from . import services
from .controls import payment_state
from .forms import RefundForm
from .live import link_key, long_poll_slot, refund_key, wait_for_change
from .models import Refund, RefundStatus
from .selectors import RefundOffer, in_flight_fingerprint, refund_get, refund_offer, refunds_in_flight
from .tax_split import gross_by_rate


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _outcome_message(request: HttpRequest, refund: Refund) -> None:
    amount = refund.money.format()
    match refund.status:
        case RefundStatus.SUCCEEDED:
            messages.success(request, _("Refunded %(amount)s. The buyer is being emailed.") % {"amount": amount})
        case RefundStatus.PENDING if refund.pending_reason:
            messages.info(
                request,
                _("Stripe accepted the refund of %(amount)s; %(reason)s.")
                % {"amount": amount, "reason": refund.get_pending_reason_display()},
            )
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
        case RefundStatus.PROCESSING if refund.stripe_unconfirmed_since is not None:
            messages.warning(
                request,
                _(
                    "The refund of %(amount)s is awaiting confirmation from Stripe. Its amount stays reserved; "
                    "do not refund it again."
                )
                % {"amount": amount},
            )
        case _:  # PROCESSING: the worker is asking Stripe
            messages.info(
                request,
                _("The refund of %(amount)s is being processed. This page updates itself when Stripe answers.")
                % {"amount": amount},
            )


def _to_history(request: HttpRequest, invoice_id: int) -> HttpResponse:
    target = reverse("backoffice:invoice_detail", kwargs={"invoice_id": invoice_id}) + "?tab=transactions"
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _refund_form(
    data: QueryDict | None, *, invoice: BillingInvoice, offer: RefundOffer, membership: Membership
) -> RefundForm:
    # Amounts are read in the currency Stripe charged (the payment's), which is what a refund returns.
    refundable = offer.refundable or Money(0, invoice.currency)
    rates = tuple(gross_by_rate(invoice)) if refundable.currency == "JPY" and offer.allowed else ()
    link = getattr(invoice, "payment_link", None)
    state = payment_state(link) if link is not None and offer.allowed and data is None else ""
    return RefundForm(
        data,
        currency=refundable.currency,
        refundable=refundable,
        payment_state=state,
        rates=rates,
        signed_for=f"{membership.organization_id}:{membership.user_id}",
    )


def _add_service_error(form: RefundForm, error: ServiceError) -> None:
    if error.field == "rate_split" and form.rates:
        form.add_error(f"split_{form.rates[0]}", error.message)
        return
    if error.field == "confirm_repeat":
        amount = Money(form.cleaned_data["amount"], form.refundable.currency).format()
        # Bound fields keep the label they were made with: the tick names the amount it confirms.
        form["confirm_repeat"].label = _("Yes, refund %(amount)s again: the buyer is owed two separate returns") % {
            "amount": amount
        }
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _form_for_changed_payment(
    request: HttpRequest, membership: Membership, invoice: BillingInvoice, error: ServiceError
) -> tuple[RefundOffer, RefundForm]:
    """The payment changed under the form: the same form again with today's figures, to be confirmed anew."""
    offer = refund_offer(membership=membership, invoice=invoice)
    data = request.POST.copy()
    data["payment_state"] = str(error.details.get("payment_state", ""))
    if offer.refundable is not None:
        data["shown_refundable"] = str(offer.refundable.amount)
    if data.get("classification") == "FULL" and offer.refundable is not None:
        data["amount"] = offer.refundable.plain()
    form = _refund_form(data, invoice=invoice, offer=offer, membership=membership)
    form.is_valid()
    form.add_error(None, error.message)
    return offer, form


@dataclass(frozen=True)
class AmountHint:
    """The amount field's example in this payment's own figures: to return part of it, type that part."""

    total: str
    example: str
    enter: str
    wrong: str


def _amount_hint(refundable: Money | None) -> AmountHint | None:
    if refundable is None or refundable.amount < 10:
        return None
    fifth = refundable.amount // 5
    step = 10 ** max(len(str(fifth)) - 2, 0)  # two significant digits: 22000 of 110000, 21000 of 109000
    example = Money(fifth // step * step, refundable.currency)
    rest = Money(refundable.amount - example.amount, refundable.currency)
    return AmountHint(total=refundable.format(), example=example.format(), enter=example.plain(), wrong=rest.plain())


def _is_being_processed(refund: Refund) -> bool:
    return refund.status == RefundStatus.PROCESSING and refund.stripe_unconfirmed_since is None


@require_http_methods(["GET", "POST"])
@tenant_view
def refund_modal(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    if not membership.role_enum.can_request_refund:
        raise Forbidden(_("Your role cannot refund payments."))
    offer = refund_offer(membership=membership, invoice=invoice)
    detail_url = reverse("backoffice:invoice_detail", kwargs={"invoice_id": invoice.pk})
    form = _refund_form(request.POST or None, invoice=invoice, offer=offer, membership=membership)
    context: dict[str, object] = {
        "invoice": invoice,
        "offer": offer,
        "form": form,
        "detail_url": detail_url,
        "step": "form",
        # What other apps say about this invoice (the buyer's registration number): shown, never a refusal.
        "invoice_notices": invoice_notices(invoice),
        "amount_hint": _amount_hint(offer.refundable),
    }
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step", "confirm")
        refund_input = form.refund_input(invoice_id=invoice.pk)
        try:
            if step == "execute":
                refund = services.refund_request(actor=membership, request=refund_input, ip_address=_client_ip(request))
                refund.refresh_from_db()
                if is_htmx(request) and _is_being_processed(refund):
                    # The worker is asking Stripe: the modal shows progress and polls until the answer is in.
                    return render(request, "refunds/_modal.html", {**context, "step": "processing", "refund": refund})
                _outcome_message(request, refund)
                return _to_history(request, invoice.pk)
            quote = services.refund_quote(
                actor=membership,
                invoice_id=invoice.pk,
                amount=refund_input.amount,
                classification=refund_input.classification,
                shown_refundable=refund_input.shown_refundable,
                rate_split=refund_input.rate_split,
                expected_state=refund_input.expected_state,
                confirm_repeat=refund_input.confirm_repeat,
            )
        except ServiceError as error:
            if error.code is ErrorCode.PAYMENT_CHANGED:
                offer, form = _form_for_changed_payment(request, membership, invoice, error)
                context.update(offer=offer, form=form)
            else:
                _add_service_error(form, error)
        else:
            if step != "edit":
                context.update(step="confirm", quote=quote, refund_input=refund_input)
    context["preview_on_load"] = not form.errors or _only_split_errors(form)
    template = "refunds/_modal.html" if is_htmx(request) else "refunds/refund_page.html"
    return render(request, template, context)


def _long_poll(request: HttpRequest, *, keys: list[str], unchanged: Callable[[], bool]) -> bool:
    """When the page asks (`wait=1`), wait until `unchanged()` is False or the limit passes. False: no wait was
    possible (every slot taken): the page asks again after a pause."""
    if request.GET.get("wait") != "1" or not unchanged():
        return True
    with long_poll_slot() as slot:
        if slot:
            wait_for_change(keys=keys, unchanged=unchanged, timeout=settings.REFUND_LONG_POLL_SECONDS)
        return slot


@require_GET
@tenant_view
def refund_progress(request: HttpRequest, membership: Membership, invoice_id: int, refund_id: int) -> HttpResponse:
    """The modal's progress step: long-polled (wait=1) until Stripe's answer is recorded; then off to the history."""
    refund = refund_get(organization=membership.organization, invoice_id=invoice_id, refund_id=refund_id)
    if is_htmx(request) and _is_being_processed(refund):

        def still_processing() -> bool:
            refund.refresh_from_db(fields=["status", "stripe_unconfirmed_since"])
            return _is_being_processed(refund)

        waited = _long_poll(request, keys=[refund_key(refund.pk)], unchanged=still_processing)
    if is_htmx(request) and _is_being_processed(refund):
        invoice = refund.payment_link.invoice
        detail_url = reverse("backoffice:invoice_detail", kwargs={"invoice_id": invoice.pk})
        context = {
            "invoice": invoice,
            "step": "processing",
            "refund": refund,
            "detail_url": detail_url,
            "poll_later": not waited,
        }
        return render(request, "refunds/_modal.html", context)
    _outcome_message(request, refund)
    return _to_history(request, invoice_id)


@require_GET
@tenant_view
def refunds_in_flight_banner(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    """The detail page's banner of refunds Stripe has not settled, long-polled; the page reloads when it changes."""
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    link = getattr(invoice, "payment_link", None)
    showing = request.GET.get("showing", "")

    def fingerprint_now() -> str:
        return in_flight_fingerprint(refunds_in_flight(link)) if link else ""

    waited = True
    if is_htmx(request) and link is not None:
        waited = _long_poll(request, keys=[link_key(link.pk)], unchanged=lambda: fingerprint_now() == showing)
    in_flight = refunds_in_flight(link) if link else []
    fingerprint = in_flight_fingerprint(in_flight)
    if is_htmx(request) and showing != fingerprint:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return render(
        request,
        "refunds/_in_flight.html",
        {
            "invoice": invoice,
            "refunds_in_flight": in_flight,
            "in_flight_fingerprint": fingerprint,
            "poll_later": not waited,
        },
    )


@require_POST
@tenant_view
def refund_preview(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    """The live preview under the amount input: refund now, net paid after it, status after it."""
    invoice = invoice_get(organization=membership.organization, invoice_id=invoice_id)
    offer = refund_offer(membership=membership, invoice=invoice)
    form = _refund_form(request.POST, invoice=invoice, offer=offer, membership=membership)
    quote = error = split_error = None

    def quote_with(rate_split: dict[str, int]) -> services.RefundQuote:
        return services.refund_quote(
            actor=membership,
            invoice_id=invoice.pk,
            amount=form.cleaned_data["amount"],
            classification=form.cleaned_data["classification"],
            shown_refundable=form.cleaned_data.get("shown_refundable"),
            rate_split=rate_split,
            expected_state=form.cleaned_data.get("payment_state"),
            confirm_repeat=bool(form.cleaned_data.get("confirm_repeat")),
        )

    if not (request.POST.get("amount", "").strip() or request.POST.get("classification")):
        pass  # nothing typed yet: no preview, no complaint
    elif form.is_valid():
        try:
            quote = quote_with(form.rate_split())
        except ServiceError as failure:
            if failure.field == "rate_split":
                split_error = failure.message
            else:
                error = failure.message
    else:
        error = " ".join(str(message) for messages_ in form.errors.values() for message in messages_)
        if _only_split_errors(form) and {"amount", "classification"} <= form.cleaned_data.keys():
            split_error, error = error, None
    if split_error is not None:
        # A wrong split does not change the refund itself: its figures stay in view, with what is wrong.
        try:
            quote = quote_with({})
        except ServiceError as failure:
            error = failure.message
    return render(request, "refunds/_preview.html", {"quote": quote, "error": error, "split_error": split_error})


def _only_split_errors(form: RefundForm) -> bool:
    return bool(form.errors) and all(name.startswith("split_") for name in form.errors)
