"""Workers wake when work is committed (PostgreSQL LISTEN/NOTIFY), not at their next poll."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.db import connection, transaction

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core import wakeups
from invoicedesk.core.wakeups import WakeupListener, wake_workers
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests.conftest import database_owner
from tests.faults import support as fault_support
from tests.faults.support import (
    Inbox,
    WorkerProcess,
    running_workers,
    smtp_server,
    wait_until,
    worker_env,
)


@pytest.fixture
def listening() -> Iterator[tuple[WakeupListener, threading.Event]]:
    listener, stop = WakeupListener(), threading.Event()
    event = listener.waiter(wakeups.TASKS)
    thread = listener.start(stop)
    yield listener, event
    stop.set()
    if thread is not None:
        thread.join(timeout=5)


def _listening_backends() -> list[int]:
    # Other sessions' queries are visible to their own user or a superuser, not to the suite's application role.
    with database_owner(regrant=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE query = %s AND pid <> pg_backend_pid()",
            [f"LISTEN {wakeups.CHANNEL}"],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_notification_wakes_the_loops_at_commit_never_before_and_after_a_lost_connection(
    listening: tuple[WakeupListener, threading.Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    listener, event = listening
    assert event.wait(5), "on connecting, the listener wakes every loop once"
    event.clear()

    wake_workers()  # autocommit: delivered at once
    assert event.wait(5)
    event.clear()

    # Only the loop of the queue named wakes: a Stripe event does not send the task loop looking.
    events = listener.waiter("stripe_events")
    wake_workers("stripe_events")
    assert events.wait(5)
    assert not event.wait(0.5)
    events.clear()

    with transaction.atomic():
        wake_workers()
        assert not event.wait(0.5), "woken before the work was committed"
    assert event.wait(5)
    event.clear()

    with transaction.atomic():
        wake_workers()
        transaction.set_rollback(True)
    assert not event.wait(0.5), "woken for work that was rolled back"

    # The database drops the listening connection: the listener connects again and wakes every loop, since
    # notifications sent meanwhile were lost.
    monkeypatch.setattr(wakeups, "RECONNECT_SECONDS", 0.2)
    backends = wait_until(_listening_backends, timeout=5, what="the listener's connection")
    with database_owner(regrant=False), connection.cursor() as cursor:  # what a database administrator does
        cursor.execute("SELECT pg_terminate_backend(%s)", [backends[0]])
    assert event.wait(10), "no wake-up after the listener lost its connection"
    wait_until(lambda: _listening_backends() and _listening_backends() != backends, timeout=10, what="a new LISTEN")
    event.clear()
    wake_workers()
    assert event.wait(5)


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_takes_a_refund_at_once_not_at_its_next_poll(
    settings: Any,
    tmp_path: Path,
    stripe_server: LocalStripe,
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
) -> None:
    """The worker polls every 30 s here; the refund's task wakes it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with smtp_server(Inbox()) as smtp_port, running_workers() as workers:
        env = worker_env(stripe_api_base=stripe_server.url, smtp_port=smtp_port, var_dir=tmp_path / "var")
        workers.append(WorkerProcess(env, tmp_path / "worker.log", interval=30).start())
        # Idle: past its start-up delay (≤ 1 s), its jobs' first run, and listening.
        wait_until(_listening_backends, timeout=15, what="the worker listening", workers=workers)
        time.sleep(1.5)
        asked = time.monotonic()
        refund = refund_request(
            actor=operator_membership,
            request=RefundInput(
                invoice_id=paid_invoice.pk,
                amount=22_000,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )
        wait_until(
            lambda: Refund.objects.get(pk=refund.pk).status == RefundStatus.SUCCEEDED,
            timeout=25,
            what="the refund SUCCEEDED",
            workers=workers,
        )
        took = time.monotonic() - asked
    assert took < 5, f"the refund waited {took:.1f} s: the worker was not woken (it polls every 30 s)"


@pytest.mark.django_db(transaction=True)
def test_behind_a_pooler_the_listener_connects_where_database_listen_url_says(settings: Any) -> None:
    """LISTEN needs a session of its own (PgBouncer's transaction pooling does not give one): the listener may
    connect elsewhere than the app's DATABASE_URL; here, the same server under its own application name."""
    settings.DATABASE_LISTEN = dj_database_url.parse(
        f"{fault_support.test_database_url()}?application_name=invoicedesk-listener"
    )
    listener, stop = WakeupListener(), threading.Event()
    event = listener.waiter(wakeups.TASKS)
    thread = listener.start(stop)
    try:
        assert event.wait(5)
        with database_owner(regrant=False), connection.cursor() as cursor:
            cursor.execute(
                "SELECT application_name FROM pg_stat_activity WHERE query = %s", [f"LISTEN {wakeups.CHANNEL}"]
            )
            assert [row[0] for row in cursor.fetchall()] == ["invoicedesk-listener"]
        event.clear()
        wake_workers()  # sent on the app's own connection, heard on the listener's
        assert event.wait(5)
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=5)
