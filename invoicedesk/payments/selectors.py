from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import NotFound

from .models import PaymentLink, PaymentTransaction


def transactions_for_invoice(*, invoice: BillingInvoice) -> QuerySet[PaymentTransaction]:
    """The Payment Transaction history of an invoice already fetched within its tenant."""
    return (
        PaymentTransaction.objects.filter(organization_id=invoice.organization_id, payment_link__invoice=invoice)
        .select_related("actor_user")
        .order_by("-created_at", "-id")
    )


HISTORY_WINDOW = 50


def transactions_window(
    *, invoice: BillingInvoice, before_id: int | None = None, size: int = HISTORY_WINDOW
) -> tuple[list[PaymentTransaction], int | None]:
    """The newest `size` history rows of an invoice (older than the row `before_id`, if given), and the id to ask
    for the next older window with (None when there is none). One indexed query whatever the history's length."""
    link = getattr(invoice, "payment_link", None)
    if link is None:
        return [], None
    # By the link's own id (not a join through the invoice), so PostgreSQL walks the (link, time) index
    # backwards and stops after one window instead of sorting the whole history.
    rows = (
        PaymentTransaction.objects.filter(organization_id=invoice.organization_id, payment_link_id=link.pk)
        .select_related("actor_user")
        .order_by("-created_at", "-id")
    )
    if before_id is not None:
        anchor = rows.filter(pk=before_id).values_list("created_at", flat=True).first()
        if anchor is None:
            return [], None
        rows = rows.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, pk__lt=before_id))
    window = list(rows[: size + 1])
    older = window[size - 1].pk if len(window) > size else None
    return window[:size], older


# What a link token may look like: secrets.token_urlsafe's alphabet, within the column's 64 characters.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


def payment_link_by_token(*, token: str) -> PaymentLink:
    """The public pay page's lookup: the unguessable token is the buyer's only credential."""
    if not _TOKEN.fullmatch(token):
        # Not one of ours (models.new_link_token): no query, and nothing the database would refuse (a NUL).
        raise NotFound(_("No such payment link."))
    link = PaymentLink.objects.select_related("invoice", "invoice__organization", "invoice__buyer").filter(token=token)
    found = link.first()
    if found is None:
        raise NotFound(_("No such payment link."))
    return found


def public_pay_url(request: HttpRequest, link: PaymentLink) -> str:
    path = reverse("payments:pay", kwargs={"token": link.token})
    return f"{settings.PUBLIC_BASE_URL}{path}" if settings.PUBLIC_BASE_URL else request.build_absolute_uri(path)
