"""Compare our payments and refunds with Stripe's, and optionally make ours agree (`manage.py reconcile_stripe`).

Differences are fixed through the very services the webhooks use (payments.services.payment_record_intent,
refunds.outcomes.refund_record_stripe_refund), which lock, write history and audit entries, and raise alerts.
What cannot be fixed from here (an amount Stripe received that differs from the invoice, a refund of ours that
Stripe does not have) is reported and raised as an alert for a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.core.money import Money
from invoicedesk.payments.fees import fee_differs, payment_fee_record
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.payments.services import payment_record_intent
from invoicedesk.stripe_integration import gateway

from .models import ReconciliationItem, ReconciliationRun, Refund, RefundStatus
from .outcomes import (
    STRIPE_REFUND_STATUS,
    alert_duplicate_refund,
    awaits_stripe_refund,
    named_reference,
    named_refund_id,
    refund_record_stripe_refund,
)

logger = logging.getLogger(__name__)

# What the nightly run looks at: payments settled (or links changed) this recently.
NIGHTLY_WINDOW = timedelta(days=35)
# A Stripe refund naming a refund of ours that cannot take it (it has its own, or none was asked for).
DUPLICATE_REFUND = "duplicate_refund_at_stripe"
FEE_DIFFERENCES = ("fee_missing_here", "fee_differs")


@dataclass(frozen=True)
class Difference:
    invoice_number: str
    kind: str  # paid_at_stripe_only, amount_differs, currency_differs, refund_missing_here, refund_missing_at_stripe,
    # duplicate_refund_at_stripe, refund_status_differs, refund_amount_differs, refunded_total_differs,
    # fee_missing_here, fee_differs, not_checked (a run closed with the link unchecked)
    reference: str
    ours: str
    stripe: str
    fixable: bool
    # A duplicate refund at Stripe: Stripe's refund and our refund it names, for its alert.
    stripe_refund: gateway.RefundInfo | None = field(default=None, compare=False, repr=False)
    names: str = field(default="", compare=False, repr=False)


def links_to_check(*, organization_id: int | None = None, since: datetime | None = None) -> QuerySet[PaymentLink]:
    """Every link that took, or may have taken, money: settled ones, and unsettled ones with a PaymentIntent."""
    links = PaymentLink.objects.select_related("invoice__organization").filter(
        Q(status__in=PaymentLinkStatus.settled()) | ~Q(stripe_payment_intent_id="")
    )
    if organization_id is not None:
        links = links.filter(invoice__organization_id=organization_id)
    if since is not None:
        # Paid, issued, or with a refund that moved since then: an old payment refunded last week counts.
        recent_refunds = Refund.objects.filter(payment_link=OuterRef("pk"), updated_at__gte=since)
        links = links.filter(
            Q(paid_at__gte=since) | Q(paid_at__isnull=True, created_at__gte=since) | Exists(recent_refunds)
        )
    return links.order_by("pk")


def compare_link(link: PaymentLink) -> list[Difference]:
    """Our records of one link against Stripe's, as they are now."""
    number = link.invoice.number
    account = link.stripe_account
    if not link.stripe_payment_intent_id:
        return []
    intent = gateway.retrieve_payment_intent(payment_intent_id=link.stripe_payment_intent_id, stripe_account=account)
    differences: list[Difference] = []
    if intent.succeeded and not link.is_settled:
        differences.append(
            Difference(number, "paid_at_stripe_only", intent.id, link.status, f"{intent.amount_received}", True)
        )
        return differences
    if not link.is_settled:
        return differences
    if intent.currency != link.currency:
        differences.append(Difference(number, "currency_differs", intent.id, link.currency, intent.currency, False))
    if intent.amount_received != link.amount_paid:
        differences.append(
            Difference(number, "amount_differs", intent.id, str(link.amount_paid), str(intent.amount_received), False)
        )
    if fee_differs(link, intent):
        # Stripe's processing fee (the charge's balance transaction) against ours: recorded, or corrected, by --fix.
        stripe_fee = f"{intent.fee} {intent.fee_currency or intent.currency}"
        kind, our_fee = (
            ("fee_missing_here", "—")
            if link.stripe_fee is None
            else ("fee_differs", f"{link.stripe_fee} {link.stripe_fee_currency or link.currency}")
        )
        differences.append(
            Difference(number, kind, intent.balance_transaction_id or intent.id, our_fee, stripe_fee, True)
        )
    at_stripe = gateway.list_refunds(payment_intent_id=intent.id, stripe_account=account)  # oldest first
    ours = list(Refund.objects.filter(payment_link=link))
    by_stripe_id = {refund.stripe_refund_id: refund for refund in ours if refund.stripe_refund_id}
    by_pk = {refund.pk: refund for refund in ours}
    matched: set[int] = set()
    claimed: dict[int, str] = {}  # our refund → the Stripe refund that --fix will record as it
    for info in at_stripe:
        refund = by_stripe_id.get(info.id)
        named = named_refund_id(info, organization_id=link.invoice.organization_id)
        if refund is None and named is not None:
            # As refund_record_stripe_refund decides, oldest first: the first Stripe refund naming a request
            # of ours that awaits one is ours; any other naming it is a duplicate, never merged into ours.
            candidate = by_pk.get(named)
            if candidate is not None and candidate.pk not in matched and awaits_stripe_refund(candidate):
                refund = candidate
                claimed[candidate.pk] = info.id
            else:
                names = f"#{named} ({claimed[named]})" if named in claimed else named_reference(candidate, named)
                differences.append(
                    Difference(
                        number,
                        DUPLICATE_REFUND,
                        info.id,
                        f"refund {names}",
                        f"{info.amount} {info.status}",
                        True,
                        stripe_refund=info,
                        names=names,
                    )
                )
                continue
        if refund is None:
            differences.append(
                Difference(number, "refund_missing_here", info.id, "—", f"{info.amount} {info.status}", True)
            )
            continue
        matched.add(refund.pk)
        stripe_status = STRIPE_REFUND_STATUS.get(info.status)
        if stripe_status is not None and stripe_status != refund.status:
            differences.append(Difference(number, "refund_status_differs", info.id, refund.status, stripe_status, True))
        if info.amount != refund.amount:
            differences.append(
                Difference(number, "refund_amount_differs", info.id, str(refund.amount), str(info.amount), False)
            )
    for refund in ours:
        if refund.pk in matched:
            continue
        if refund.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING) or refund.stripe_refund_id:
            differences.append(
                Difference(
                    number,
                    "refund_missing_at_stripe",
                    refund.stripe_refund_id or f"refund {refund.pk}",
                    f"{refund.amount} {refund.status}",
                    "—",
                    False,
                )
            )
    refunded_at_stripe = sum(info.amount for info in at_stripe if info.status == "succeeded")
    if refunded_at_stripe != link.amount_refunded and not any(
        d.fixable for d in differences if d.kind not in FEE_DIFFERENCES
    ):
        differences.append(
            Difference(
                number, "refunded_total_differs", intent.id, str(link.amount_refunded), str(refunded_at_stripe), False
            )
        )
    return differences


def fix_link(link: PaymentLink) -> None:
    """Apply Stripe's word to one link through the services the webhooks use."""
    account = link.stripe_account
    intent = gateway.retrieve_payment_intent(payment_intent_id=link.stripe_payment_intent_id, stripe_account=account)
    if intent.succeeded and not link.is_settled:
        payment_record_intent(intent=intent)
    link.refresh_from_db()
    if not link.is_settled:
        return
    if fee_differs(link, intent):
        payment_fee_record(link_id=link.pk, intent=intent, correct=True)
    for info in gateway.list_refunds(payment_intent_id=intent.id, stripe_account=account):
        refund_record_stripe_refund(info=info, link_id=link.pk)


def _alert_for_a_person(link: PaymentLink, differences: Iterable[Difference]) -> None:
    for difference in differences:
        if difference.kind == DUPLICATE_REFUND and difference.stripe_refund is not None:
            # Raised when found, before any fix: recording it raises the same alert (same subject), so there is
            # one alert either way, and one even if recording fails or nobody runs --fix.
            with transaction.atomic():
                alert_duplicate_refund(link=link, info=difference.stripe_refund, ours=difference.names)
            continue
        if difference.fixable or difference.kind not in ("amount_differs", "currency_differs"):
            continue
        with transaction.atomic():
            alert_raise(
                organization_id=link.invoice.organization_id,
                kind=AlertKind.PAYMENT_DIFFERS,
                subject=f"{difference.reference}:{difference.kind}",
                invoice_id=link.invoice_id,
                amount=Money(link.amount_paid, link.currency) if link.amount_paid else None,
                detail=f"{difference.kind}: ours {difference.ours}, Stripe {difference.stripe}",
            )


def reconcile_link(link: PaymentLink, *, fix: bool) -> list[Difference]:
    """One link: its differences (after fixing, with `fix`), alerts raised. Raises gateway.StripeGatewayError when
    Stripe cannot be asked (StripeUnavailable: the outcome is unknown, ask again later)."""
    differences = compare_link(link)
    _alert_for_a_person(link, differences)
    if fix and any(d.fixable for d in differences):
        fix_link(link)
        link.refresh_from_db()
        differences = compare_link(link)
        _alert_for_a_person(link, differences)
    return differences


def reconcile_link_reported(link: PaymentLink, *, fix: bool, raise_unknown: bool = False) -> list[Difference]:
    """`reconcile_link`, with Stripe's trouble reported as a difference rather than raised: a link Stripe cannot
    be asked about is never taken as one that agrees. With `raise_unknown`, an unknown outcome (timeout, 5xx, 429)
    is raised instead, for the caller's retry."""
    reference = link.stripe_payment_intent_id
    try:
        return reconcile_link(link, fix=fix)
    except gateway.StripeUnavailable as error:
        if raise_unknown:
            raise
        return [Difference(link.invoice.number, "stripe_unreachable", reference, "", error.message, False)]
    except gateway.StripeGatewayError as error:  # Stripe's clear answer (no such payment, no access)
        return [Difference(link.invoice.number, "stripe_refused", reference, "", error.message, False)]
    except Exception as error:  # one link's trouble must not stop the run for every link after it
        logger.exception("reconciling link %s failed", link.pk)
        return [Difference(link.invoice.number, "error", reference, "", str(error), False)]


def reconcile(
    *,
    fix: bool,
    organization_id: int | None = None,
    since: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Difference]:
    """Differences that remain (after fixing, with `fix`), link after link in this process (`manage.py
    reconcile_stripe`); Stripe calls paced as the nightly run's are. A link Stripe cannot be asked about is
    reported too."""
    links = links_to_check(organization_id=organization_id, since=since)
    total = links.count()
    remaining: list[Difference] = []
    with gateway.paced():
        for done, link in enumerate(links.iterator(chunk_size=500), start=1):
            remaining.extend(reconcile_link_reported(link, fix=fix))
            if progress is not None:
                progress(done, total)
    return remaining


# ---------------------------------------------------------------- the nightly run, one job per link


def reconciliation_open(*, since: datetime) -> ReconciliationRun | None:
    """A new run over the links to check since `since`, with one undone item per link (no Stripe call here), or
    None while another run is open. Call inside a transaction; the caller queues the links' jobs in it."""
    try:
        with transaction.atomic():
            run = ReconciliationRun.objects.create()
    except IntegrityError:  # the one open run's constraint: another is running
        return None
    link_ids = list(links_to_check(since=since).values_list("pk", flat=True))
    ReconciliationItem.objects.bulk_create(
        [ReconciliationItem(run=run, payment_link_id=link_id) for link_id in link_ids], batch_size=1000
    )
    run.links_total = len(link_ids)
    run.save(update_fields=["links_total"])
    return run


def reconcile_run_links(*, run_id: int, link_ids: list[int], last_attempt: bool) -> None:
    """A link job: compare and fix the run's links not done yet, each recorded done with what remained; then close
    the run if it was the last. A link done before (this job run again after its worker died) is not asked again.

    Stripe's unknown outcome is raised for procrastinate's retry, except on the `last_attempt`, where it is
    recorded as a difference (`stripe_unreachable`), so the run still ends and a person sees it.
    """
    with gateway.paced():
        for link_id in link_ids:
            if not ReconciliationItem.objects.filter(run_id=run_id, payment_link_id=link_id, done_at=None).exists():
                continue
            link = PaymentLink.objects.select_related("invoice__organization").get(pk=link_id)
            differences = reconcile_link_reported(link, fix=True, raise_unknown=not last_attempt)
            ReconciliationItem.objects.filter(run_id=run_id, payment_link_id=link_id, done_at=None).update(
                done_at=timezone.now(), differences=[_stored(difference) for difference in differences]
            )
    reconciliation_finish_if_done(run_id=run_id)


def reconciliation_finish_if_done(*, run_id: int) -> bool:
    """Close the run once every link of it is done, with the count of differences left. The run's row is locked,
    so of two jobs ending together the later one sees both done and closes it, once."""
    with transaction.atomic():
        run = ReconciliationRun.objects.select_for_update().get(pk=run_id)
        if run.finished_at is not None:
            return False
        if run.items.filter(done_at=None).exists():
            return False
        remaining = [
            difference for differences in run.items.values_list("differences", flat=True) for difference in differences
        ]
        for difference in remaining:
            logger.warning("reconcile_stripe: %s", difference)
        run.finished_at = timezone.now()
        run.differences_left = len(remaining)
        run.save(update_fields=["finished_at", "differences_left"])
    return True


def reconciliation_mark_unchecked(*, run: ReconciliationRun) -> None:
    """The run's links not done, done now with one difference each: `not_checked` (for a person to look at)."""
    for item in run.items.filter(done_at=None).select_related("payment_link__invoice"):
        item.done_at = timezone.now()
        item.differences = [
            _stored(
                Difference(
                    item.payment_link.invoice.number, "not_checked", reference="", ours="", stripe="", fixable=False
                )
            )
        ]
        item.save(update_fields=["done_at", "differences"])


def _stored(difference: Difference) -> dict[str, object]:
    return {
        "invoice_number": difference.invoice_number,
        "kind": difference.kind,
        "reference": difference.reference,
        "ours": difference.ours,
        "stripe": difference.stripe,
        "fixable": difference.fixable,
    }
