"""Stripe (a localstripe keeping its data in a file) is down when a refund is asked for and comes back: the
refund waits PROCESSING with its amount reserved, and the worker's recovery settles it with one refund at
Stripe and one email."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.devtools.localstripe import LocalStripe, free_port
from invoicedesk.notifications.models import Notification, NotificationStatus
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from tests import factories

from .support import Inbox, WorkerProcess, running_workers, smtp_server, wait_until, worker_env


@pytest.mark.django_db(transaction=True)
def test_refund_while_stripe_is_down_is_settled_by_recovery_once_it_is_back(
    settings: Any, tmp_path: Path, org: Organization, operator_membership: Membership
) -> None:
    store = tmp_path / "ls.pickle"
    stripe = LocalStripe(port=free_port(), store=store).start()
    restarted: LocalStripe | None = None
    inbox = Inbox()
    try:
        settings.STRIPE_API_BASE = stripe.url
        settings.STRIPE_SECRET_KEY = "sk_test_invoicedesk"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_invoicedesk"
        settings.STRIPE_TEST_CARD_FORM = True
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        bill_to = factories.buyer(
            org, "Sakura Trading Co., Ltd.", email="billing@sakura-trading.example", language="en"
        )
        invoice = factories.pay_through_stripe(factories.invoice(org, bill_to=bill_to, amount=110_000))
        link = invoice.payment_link
        assert link.status == PaymentLinkStatus.PAID and link.stripe_payment_intent_id

        stripe.stop()  # SIGTERM: localstripe saves its store on the way out
        assert store.exists() and not stripe.is_up()

        # The refund is asked for while Stripe is down (the tests' worker runs at its commit, in this process).
        refund = refund_request(
            actor=operator_membership,
            request=RefundInput(
                invoice_id=invoice.pk,
                amount=22_000,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )
        refund.refresh_from_db()
        assert refund.status == RefundStatus.PROCESSING
        assert refund.stripe_unconfirmed_since is not None and refund.stripe_attempts == 1
        link.refresh_from_db()
        assert refundable_amount(link).amount == 88_000  # the amount stays reserved
        assert link.status == PaymentLinkStatus.PAID and link.amount_refunded == 0
        assert not Notification.objects.exists()

        restarted = LocalStripe(port=stripe.port, store=store).start()
        # The payment survived the restart, and no refund reached Stripe while it was down.
        assert gateway.retrieve_payment_intent(payment_intent_id=link.stripe_payment_intent_id).succeeded
        assert gateway.list_refunds(payment_intent_id=link.stripe_payment_intent_id) == []

        # Recovery takes refunds still PROCESSING a minute after they were asked for; the worker runs it at start.
        Refund.objects.filter(pk=refund.pk).update(requested_at=timezone.now() - timedelta(minutes=2))
        with smtp_server(inbox) as smtp_port, running_workers() as workers:
            env = worker_env(stripe_api_base=restarted.url, smtp_port=smtp_port, var_dir=tmp_path / "var")
            started = time.monotonic()
            workers.append(WorkerProcess(env, tmp_path / "worker.log").start())
            wait_until(
                lambda: Notification.objects.filter(status=NotificationStatus.SENT).exists(),
                what="recovery to settle the refund and its email SENT",
                workers=workers,
            )
            settled_after = time.monotonic() - started
            workers[0].stop()

        refund = Refund.objects.get(pk=refund.pk)
        assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_unconfirmed_since is None
        assert refund.stripe_attempts == 2
        link = PaymentLink.objects.get(pk=link.pk)
        assert link.status == PaymentLinkStatus.PARTIALLY_REFUNDED
        assert (link.amount_paid, link.amount_refunded) == (110_000, 22_000)
        assert refundable_amount(link).amount == 88_000
        on_stripe = gateway.list_refunds(payment_intent_id=link.stripe_payment_intent_id)
        assert [(info.id, info.amount, info.status, info.metadata.get("refund_id")) for info in on_stripe] == [
            (refund.stripe_refund_id, 22_000, "succeeded", str(refund.pk))
        ]
        notification = Notification.objects.get()
        assert notification.status == NotificationStatus.SENT and notification.attempts == 1
        assert inbox.message_ids(inbox.accepted) == [notification.message_id] and len(inbox.received) == 1
        print(
            f"\n[faults] Stripe down and back: refund PROCESSING (unconfirmed, 88000 still refundable) while "
            f"down; after restart recovery settled it {settled_after:.1f} s after worker start; Stripe attempts="
            f"{refund.stripe_attempts}; refunds at Stripe={len(on_stripe)}; emails={len(inbox.accepted)}; "
            f"link {link.status} {link.amount_refunded}/{link.amount_paid}"
        )
    finally:
        stripe.stop()
        if restarted is not None:
            restarted.stop()
