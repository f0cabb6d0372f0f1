"""kill -9 of the worker while the SMTP server holds its answer to the buyer's email: with the production
settings (a worker silent for 30 s is dead; swept every 10 s) its job runs again on the other worker within 60 s
of the kill, resending with the same Message-ID, and the buyer gets one email. (The lease-based reclaim this
replaced took 307 s.)"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.notifications.models import Notification, NotificationStatus
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway

from .support import Inbox, WorkerProcess, running_workers, smtp_server, wait_until, worker_env

# Longer than the test: the lease-based backstop (notifications_reclaim) cannot be what resends it.
LEASE_SECONDS = 120
# The promise: a killed worker's email goes out within this long of the kill.
TAKEN_UP_WITHIN_SECONDS = 60


def _notification_sending() -> Notification | None:
    return Notification.objects.filter(status=NotificationStatus.SENDING).first()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_while_smtp_holds_the_email_resends_it_once_with_the_same_message_id(
    settings: Any,
    tmp_path: Path,
    stripe_server: LocalStripe,
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
    inbox = Inbox(stall_first=True)
    with smtp_server(inbox) as smtp_port, running_workers() as workers:
        env = worker_env(
            stripe_api_base=stripe_server.url,
            smtp_port=smtp_port,
            var_dir=tmp_path / "var",
            lease_seconds=LEASE_SECONDS,
        )
        refund_request(
            actor=operator_membership,
            request=RefundInput(
                invoice_id=paid_invoice.pk,
                amount=22_000,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )
        started = time.monotonic()
        first = WorkerProcess(env, tmp_path / "worker-1.log").start()
        workers.append(first)

        # The first worker refunds, queues the email, marks it SENDING and hands it to SMTP, which holds it.
        notification = wait_until(_notification_sending, what="the email SENDING", workers=workers)
        wait_until(inbox.stalling.is_set, what="the SMTP server to hold the email's DATA", workers=workers)
        stalled_after = time.monotonic() - started
        assert first.alive
        first.kill()
        killed_at = time.monotonic()
        # aiosmtpd notices the dropped connection and cancels the held answer.
        wait_until(lambda: inbox.aborted, timeout=10, what="the SMTP server to see the client gone")
        inbox.release.set()

        notification.refresh_from_db()
        assert notification.status == NotificationStatus.SENDING and notification.attempts == 1
        message_id = notification.message_id
        assert message_id and inbox.message_ids(inbox.received) == [message_id] and inbox.accepted == []

        # Another worker, started now, takes the job up once the dead worker's heartbeat is stale.
        assert notification.sending_job is not None
        second = WorkerProcess(env, tmp_path / "worker-2.log").start()
        workers.append(second)
        wait_until(
            lambda: Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENT).exists(),
            timeout=TAKEN_UP_WITHIN_SECONDS + 15,
            what="the email SENT by the second worker",
            workers=workers,
        )
        resent_after = time.monotonic() - killed_at
        second.stop()
    assert resent_after < TAKEN_UP_WITHIN_SECONDS, resent_after

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 2
    assert notification.message_id == message_id
    # Exactly one message was accepted (answered 250), and it is the resend of the same Message-ID. The killed
    # worker's copy had been fully transmitted (DATA content) but was never acknowledged.
    assert inbox.message_ids(inbox.accepted) == [message_id]
    assert inbox.message_ids(inbox.aborted) == [message_id]
    assert inbox.message_ids(inbox.received) == [message_id, message_id]

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED
    on_stripe = gateway.list_refunds(payment_intent_id=paid_invoice.payment_link.stripe_payment_intent_id)
    assert [(info.id, info.amount, info.status) for info in on_stripe] == [
        (refund.stripe_refund_id, 22_000, "succeeded")
    ]
    print(
        f"\n[faults] mid-email kill: SMTP held DATA {stalled_after:.1f} s after worker start; kill -9; "
        f"resent {resent_after:.1f} s after the kill (dead after 30 s silent, swept every 10 s); SMTP received "
        f"{len(inbox.received)} DATA with the same Message-ID, accepted {len(inbox.accepted)}, "
        f"aborted {len(inbox.aborted)}; notification attempts={notification.attempts}; "
        f"refunds at Stripe={len(on_stripe)}"
    )
