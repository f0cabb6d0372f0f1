"""Reads for the refund procedure, scoped to one organization."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import NotFound
from invoicedesk.core.money import Money
from invoicedesk.payments.connect import disconnected_account, disconnected_reason
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus

from .models import Dispute, DisputeStatus, Refund, RefundStatus

OUTSIDE_CONTRACT = gettext_lazy(
    "This payment was settled outside any Stripe Credit Card Payment Add-on contract and cannot be refunded here."
)


def reserved_amount(link: PaymentLink) -> int:
    """What is no longer refundable: refunds requested, awaiting approval, in flight at Stripe, or done, plus what
    disputes hold (dispute_hold), and everything once the payment's Stripe account was disconnected from us.
    Services read it under the link's row lock, which dispute records also take."""
    total = Refund.objects.filter(payment_link=link, status__in=RefundStatus.reserving()).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0) + dispute_hold(link) + (link.amount_paid if _disconnected(link) else 0)


def _disconnected(link: PaymentLink) -> bool:
    """The payment's Stripe account left our platform: nothing about it can be refunded through us any more."""
    return link.is_settled and disconnected_account(link.stripe_account) is not None


def link_disputes(link: PaymentLink) -> list[Dispute]:
    """The payment's disputes, newest first (the tenant is the link's own)."""
    return list(
        Dispute.objects.filter(payment_link=link, organization_id=link.invoice.organization_id).order_by(
            "-recorded_at", "-id"
        )
    )


def open_disputes_of_links(*, organization: Organization, links: Iterable[PaymentLink]) -> dict[int, list[Dispute]]:
    """Open disputes of each payment link (by its id), in one query whatever the number of links (a list's page)."""
    found: dict[int, list[Dispute]] = {}
    ids = [link.pk for link in links]
    if not ids:
        return found
    disputes = (
        Dispute.objects.filter(organization=organization, payment_link_id__in=ids)
        .exclude(status__in=DisputeStatus.closed())
        .order_by("recorded_at", "id")
    )
    for dispute in disputes:
        found.setdefault(dispute.payment_link_id, []).append(dispute)
    return found


def dispute_hold(link: PaymentLink) -> int:
    """What disputes take out of the Refundable Amount: all of it while an open dispute makes Stripe refuse refunds
    (`is_charge_refundable` false: `charge_disputed`); the amount of each lost one; nothing for a won one or an
    inquiry Stripe still lets us refund (a full refund then ends it)."""
    disputes = link_disputes(link)
    if any(dispute.blocks_refunds for dispute in disputes):
        return link.amount_paid
    return sum(dispute.amount for dispute in disputes if dispute.is_lost)


def refundable_amount(link: PaymentLink) -> Money:
    """Refundable Amount = amount paid − refunds that hold money − what disputes hold. Services call it under the
    link's row lock."""
    if not link.is_settled:
        return Money(0, link.currency)
    return Money(max(link.amount_paid - reserved_amount(link), 0), link.currency)


@dataclass(frozen=True)
class RefundOffer:
    """Whether the detail page offers the Refund button, and if not, why."""

    refundable: Money | None
    allowed: bool
    reason: str | None
    # Said beside an offered refund: an open inquiry that a full refund would end (Stripe's is_charge_refundable).
    note: str | None = None


def refund_offer(*, membership: Membership, invoice: BillingInvoice) -> RefundOffer:
    if not invoice.is_online_payment_link:
        return RefundOffer(None, False, None)  # the out-of-scope notice says why
    link: PaymentLink | None = getattr(invoice, "payment_link", None)
    if link is None or not link.is_settled:
        return RefundOffer(None, False, _("Nothing to refund: this invoice has not been paid through its link."))
    refundable = refundable_amount(link)
    gone = disconnected_account(link.stripe_account)
    if gone is not None:
        return RefundOffer(refundable, False, disconnected_reason(gone))
    disputes = link_disputes(link)
    blocking = next((dispute for dispute in disputes if dispute.blocks_refunds), None)
    if blocking is not None:
        return RefundOffer(refundable, False, disputed_reason(blocking))
    if link.addon_contract_id is None:
        return RefundOffer(
            refundable,
            False,
            str(OUTSIDE_CONTRACT),
        )
    if refundable.amount == 0:
        if link.status == PaymentLinkStatus.REFUNDED:
            return RefundOffer(refundable, False, _("This payment has been refunded in full."))
        if any(dispute.is_lost for dispute in disputes):
            return RefundOffer(
                refundable, False, _("Nothing is left to refund: the rest of this payment was lost in a dispute.")
            )
        return RefundOffer(refundable, False, _("The whole payment is already held by refunds in progress."))
    if not membership.role_enum.can_request_refund:
        # Said where the button would be, so a viewer knows the missing button is their role, not the payment.
        return RefundOffer(refundable, False, _("Your role can view refunds; ask an operator to refund."))
    inquiry = next((dispute for dispute in disputes if dispute.is_open and dispute.is_charge_refundable), None)
    return RefundOffer(refundable, True, None, inquiry_note(inquiry) if inquiry else None)


def disputed_reason(dispute: Dispute) -> str:
    """Why the Refund button is not offered while a dispute stands: Stripe would refuse (`charge_disputed`)."""
    if dispute.evidence_due_by is not None:
        return _(
            "The buyer's bank has disputed %(amount)s of this payment, and Stripe refuses refunds of a disputed "
            "payment. Respond to the dispute in Stripe by %(due)s."
        ) % {"amount": dispute.money.format(), "due": _local(dispute.evidence_due_by)}
    return _(
        "The buyer's bank has disputed %(amount)s of this payment, and Stripe refuses refunds of a disputed payment. "
        "See the dispute in Stripe."
    ) % {"amount": dispute.money.format()}


def inquiry_note(dispute: Dispute) -> str:
    """An open dispute Stripe still lets us refund (`is_charge_refundable`): what a refund does to it."""
    return _(
        "The buyer's bank has opened a dispute of %(amount)s on this payment, and Stripe still allows a refund. "
        "A full refund stops any further withdrawal for this dispute, and Stripe closes it once the money is back; "
        "a partial refund leaves the dispute open."
    ) % {"amount": dispute.money.format()}


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


# Money a refund holds without having returned it yet: reserved (not refundable) but not refunded.
AWAITING_APPROVAL = (RefundStatus.PENDING_APPROVAL,)
AWAITING_STRIPE = (RefundStatus.PROCESSING, RefundStatus.PENDING)


@dataclass(frozen=True)
class HeldRequest:
    """A refund held for approval: who asked for it and when."""

    refund_id: int
    amount: Money
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class HeldMoney:
    """What refunds of one payment hold and have not returned: Refundable Amount = paid − refunded − held."""

    awaiting_approval: Money
    awaiting_stripe: Money  # PROCESSING (being sent, or awaiting confirmation) and PENDING at Stripe
    requests: tuple[HeldRequest, ...] = ()  # those awaiting approval, oldest first

    @property
    def total(self) -> Money:
        return self.awaiting_approval + self.awaiting_stripe

    @property
    def any(self) -> bool:
        return self.total.amount > 0


def _requester(refund: Refund) -> str:
    return refund.requested_by.email if refund.requested_by else str(refund.get_source_display())


def held_money_of_links(*, organization: Organization, links: Iterable[PaymentLink]) -> dict[int, HeldMoney]:
    """Held money of each payment link (by its id), in one query whatever the number of links (a list's page).

    Links nothing is held for are left out. Held refunds are few (each awaits a person or Stripe), so their rows
    are read rather than summed: a request awaiting approval is shown with its requester.
    """
    return _held_money(organization.pk, links)


def held_money(link: PaymentLink) -> HeldMoney:
    """Held money of one payment link (the detail page), nothing held as zeros."""
    nothing = HeldMoney(Money(0, link.currency), Money(0, link.currency))
    return _held_money(link.invoice.organization_id, [link]).get(link.pk, nothing)


def _held_money(organization_id: int, links: Iterable[PaymentLink]) -> dict[int, HeldMoney]:
    currencies = {link.pk: link.currency for link in links}
    if not currencies:
        return {}
    held = (
        Refund.objects.filter(
            organization_id=organization_id,
            payment_link_id__in=currencies,
            status__in=[*AWAITING_APPROVAL, *AWAITING_STRIPE],
        )
        .select_related("requested_by")
        .order_by("requested_at", "id")
    )
    requests: dict[int, list[HeldRequest]] = {}
    awaiting_stripe: dict[int, int] = {}
    for refund in held:
        link_id = refund.payment_link_id
        if refund.status in AWAITING_APPROVAL:
            requests.setdefault(link_id, []).append(
                HeldRequest(
                    refund.pk, Money(refund.amount, currencies[link_id]), _requester(refund), refund.requested_at
                )
            )
        else:
            awaiting_stripe[link_id] = awaiting_stripe.get(link_id, 0) + refund.amount
    return {
        link_id: HeldMoney(
            awaiting_approval=Money(sum(r.amount.amount for r in requests.get(link_id, [])), currency),
            awaiting_stripe=Money(awaiting_stripe.get(link_id, 0), currency),
            requests=tuple(requests.get(link_id, [])),
        )
        for link_id, currency in currencies.items()
        if link_id in requests or link_id in awaiting_stripe
    }


def held_totals(*, organization: Organization, refunds: QuerySet[Refund]) -> list[HeldMoney]:
    """Money the given refunds (a search of the Refunds tab) hold, per currency, in one aggregate query."""
    totals = (
        refunds.filter(organization=organization, status__in=[*AWAITING_APPROVAL, *AWAITING_STRIPE])
        .order_by("currency")
        .values("currency")
        .annotate(
            approval=Sum("amount", filter=Q(status__in=AWAITING_APPROVAL)),
            stripe=Sum("amount", filter=Q(status__in=AWAITING_STRIPE)),
        )
    )
    return [
        HeldMoney(Money(int(row["approval"] or 0), row["currency"]), Money(int(row["stripe"] or 0), row["currency"]))
        for row in totals
    ]


def refunds_for_link(link: PaymentLink) -> QuerySet[Refund]:
    return (
        Refund.objects.filter(payment_link=link, organization_id=link.invoice.organization_id)
        .select_related("requested_by", "decided_by")
        .prefetch_related("notifications", "documents")  # the tab lists each refund's emails and documents
        .order_by("-requested_at", "-id")
    )


def refunds_in_flight(link: PaymentLink) -> list[Refund]:
    """Refunds Stripe has not settled yet (being sent, awaiting confirmation, or pending at Stripe)."""
    return list(
        Refund.objects.filter(
            payment_link=link,
            organization_id=link.invoice.organization_id,
            status__in=[RefundStatus.PROCESSING, RefundStatus.PENDING],
        ).order_by("requested_at", "id")
    )


def in_flight_fingerprint(refunds: list[Refund]) -> str:
    """What the page shows about refunds in flight; when it changes, the page reloads itself."""
    return ",".join(
        f"{refund.pk}:{refund.status}:{int(refund.stripe_unconfirmed_since is not None)}" for refund in refunds
    )


def refund_get(*, organization: Organization, invoice_id: int, refund_id: int) -> Refund:
    refund = (
        Refund.objects.select_related("payment_link__invoice")
        .filter(organization=organization, payment_link__invoice_id=invoice_id, pk=refund_id)
        .first()
    )
    if refund is None:
        raise NotFound(_("No such refund."))
    return refund


def approvals_pending(*, organization: Organization) -> QuerySet[Refund]:
    """Refunds held for an approver, oldest first (the one closest to expiring leads)."""
    return (
        Refund.objects.filter(organization=organization, status=RefundStatus.PENDING_APPROVAL)
        .select_related("payment_link__invoice__buyer", "requested_by", "organization")
        .order_by("requested_at", "id")
    )


def approval_get(*, organization: Organization, refund_id: int) -> Refund:
    refund = (
        Refund.objects.filter(organization=organization, pk=refund_id)
        .select_related("payment_link__invoice__buyer", "requested_by", "decided_by", "organization")
        .first()
    )
    if refund is None:
        raise NotFound(_("No such refund."))
    return refund


def refund_find(*, organization: Organization, refund_id: int) -> Refund:
    """One refund of the organization by its id; another organization's is not found, like a missing one."""
    refund = (
        Refund.objects.filter(organization=organization, pk=refund_id)
        .select_related("payment_link__invoice", "requested_by", "decided_by")
        .first()
    )
    if refund is None:
        raise NotFound(_("No such refund."))
    return refund


def refunds_of_organization(
    *, organization: Organization, statuses: tuple[str, ...] = (), invoice_id: int | None = None
) -> QuerySet[Refund]:
    """The organization's refunds, newest first, optionally of some statuses or one invoice."""
    refunds = Refund.objects.filter(organization=organization).select_related(
        "payment_link__invoice", "requested_by", "decided_by"
    )
    if statuses:
        refunds = refunds.filter(status__in=statuses)
    if invoice_id is not None:
        refunds = refunds.filter(payment_link__invoice_id=invoice_id)
    return refunds.order_by("-id")
