"""Settling refunds whose outcome is not known: every minute the periodic job (refunds.tasks.refunds_recover_enqueue)
queues a job per such refund and per link with refunds Stripe is still processing; the jobs ask Stripe. The
periodic job itself never calls Stripe, so a Stripe outage holds up these jobs only, not the schedule.

A refund still PROCESSING a minute after it was requested (a timeout, Stripe down, a worker killed between
our commit and Stripe's answer) is asked for again with the same idempotency key while Stripe still keeps
that key; Stripe then answers with the refund it made, or makes it once. Later, the key may be gone: the
payment's refunds are listed and ours is matched by the refund id in its metadata, and only if Stripe has
none is it asked for again under a new key. So one request never becomes two refunds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.stripe_integration import gateway

from .models import Refund, RefundSource, RefundStatus
from .outcomes import refund_execute, refunds_sync_payment

logger = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=1)
# Stripe keeps an idempotency key for at least 24 h; past this we no longer count on it.
KEY_REUSE_WINDOW = timedelta(hours=23)
# A refund Stripe is still processing is looked up again this often, in case its webhook never comes.
PENDING_RECHECK = timedelta(minutes=10)
ALERT_AFTER = timedelta(hours=1)


@dataclass
class RecoveryReport:
    retried: list[int] = field(default_factory=list)
    rechecked: list[int] = field(default_factory=list)
    still_unknown: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def refund_recover(*, refund_id: int) -> Refund:
    """Settle one PROCESSING refund: never creates a second refund at Stripe for it."""
    refund = Refund.objects.get(pk=refund_id)
    if refund.status != RefundStatus.PROCESSING or refund.source != RefundSource.APP:
        return refund
    first = refund.stripe_first_attempt_at
    if first is None or timezone.now() - first < KEY_REUSE_WINDOW:
        return refund_execute(refund_id=refund_id)  # the same key: Stripe replays its answer or acts once
    refunds_sync_payment(link_id=refund.payment_link_id)  # records ours if Stripe has it under our refund id
    refund.refresh_from_db()
    if refund.status != RefundStatus.PROCESSING or refund.stripe_refund_id:
        # Settled, or Stripe has it in a state we cannot read: never ask again; a person looks (alert, after 1 h).
        return refund
    with transaction.atomic():
        # Stripe has no refund of ours and has forgotten the key: one new request, under a new key.
        Refund.objects.filter(
            pk=refund_id, status=RefundStatus.PROCESSING, stripe_key_generation=refund.stripe_key_generation
        ).update(stripe_key_generation=refund.stripe_key_generation + 1, stripe_first_attempt_at=None)
    return refund_execute(refund_id=refund_id)


def refunds_due_for_recovery() -> tuple[list[int], list[int]]:
    """The refunds still PROCESSING a minute after they were asked for, and the links whose refunds Stripe has been
    processing (pending) for a while: what recovery asks Stripe about."""
    now = timezone.now()
    stuck = Refund.objects.filter(
        status=RefundStatus.PROCESSING, source=RefundSource.APP, requested_at__lte=now - RETRY_AFTER
    )
    pending = Refund.objects.filter(status=RefundStatus.PENDING, updated_at__lte=now - PENDING_RECHECK)
    return (
        list(stuck.order_by("requested_at").values_list("pk", flat=True)),
        sorted(set(pending.values_list("payment_link_id", flat=True))),
    )


def refund_recover_and_alert(*, refund_id: int) -> Refund:
    """Settle one refund (refund_recover); still unknown an hour after it was asked for, a person is alerted."""
    recovered = refund_recover(refund_id=refund_id)
    if recovered.status == RefundStatus.PROCESSING and recovered.requested_at <= timezone.now() - ALERT_AFTER:
        with transaction.atomic():
            alert_raise(
                organization_id=recovered.organization_id,
                kind=AlertKind.REFUND_AWAITING_STRIPE,
                subject=f"refund-{recovered.pk}",
                invoice_id=recovered.payment_link.invoice_id,
                amount=recovered.money,
            )
    return recovered


def refunds_recover() -> RecoveryReport:
    """Everything recovery would queue, done here and now, one after another (a person's or a test's sweep)."""
    report = RecoveryReport()
    stuck, pending_links = refunds_due_for_recovery()
    for refund_id in stuck:
        try:
            recovered = refund_recover_and_alert(refund_id=refund_id)
        except Exception as error:  # one refund's trouble must not stop the others
            logger.exception("recovering refund %s failed", refund_id)
            report.errors.append(f"refund {refund_id}: {error}")
            continue
        report.retried.append(refund_id)
        if recovered.status == RefundStatus.PROCESSING:
            report.still_unknown.append(refund_id)
    for link_id in pending_links:
        try:
            refunds_sync_payment(link_id=link_id)
        except (gateway.StripeGatewayError, Exception) as error:
            logger.exception("rechecking pending refunds of link %s failed", link_id)
            report.errors.append(f"link {link_id}: {error}")
            continue
        report.rechecked.append(link_id)
    return report
