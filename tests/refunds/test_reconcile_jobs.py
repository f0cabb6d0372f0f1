"""The nightly reconciliation as jobs (refunds.tasks, refunds.reconcile): the periodic job only queues, one job per
link, the run closed by the last with the count of differences, never two runs open, Stripe's unknown outcomes
retried by procrastinate and, on the last attempt, reported; Stripe calls paced across processes (core.pacing)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.pacing import reserve_slot
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import (
    ReconciliationItem,
    ReconciliationRun,
    Refund,
    RefundClassification,
    RefundSource,
    RefundStatus,
)
from invoicedesk.refunds.tasks import reconcile_nightly_if_due
from invoicedesk.stripe_integration import gateway
from tests.stripe_support import FaultyHTTPClient, stripe_error, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
LINK_TASK = "invoicedesk.refunds.tasks.reconcile_stripe_links"


def link_jobs() -> list[ProcrastinateJob]:
    return list(ProcrastinateJob.objects.filter(args__task=LINK_TASK).order_by("id"))


def run_queued_jobs() -> None:
    """A worker in this process runs what is due, then stops (jobs scheduled later, retries, stay)."""
    call_command("run_worker", "--batch", "--no-jobs")


def three_links(make_paid_invoice: Callable[..., BillingInvoice], org: Any) -> list[PaymentLink]:
    """A: agrees with Stripe. B: a refund at Stripe we never heard of (fixable). C: a refund we think succeeded that
    Stripe never had (for a person: it stays)."""
    links = [PaymentLink.objects.get(invoice=make_paid_invoice(number=f"INV-{n}", amount=40_000)) for n in "ABC"]
    gateway.stripe_client().v1.refunds.create(params={"charge": links[1].stripe_charge_id, "amount": 4_000})
    Refund.objects.create(
        organization=org,
        payment_link=links[2],
        amount=1_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.SUCCEEDED,
        stripe_refund_id="re_ghost",
    )
    return links


def test_the_periodic_job_only_queues_one_job_per_link_and_the_last_closes_the_run_with_its_differences(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice], org: Any
) -> None:
    settings.TASKS = QUEUE
    links = three_links(make_paid_invoice, org)
    counting = FaultyHTTPClient(fail=lambda method, url: None)
    with stripe_http_client(counting):
        run_id = reconcile_nightly_if_due()
        assert counting.calls == []  # not one Stripe call from the periodic job

        assert run_id is not None
        run = ReconciliationRun.objects.get(pk=run_id)
        assert (run.links_total, run.finished_at, run.differences_left) == (3, None, None)
        jobs = link_jobs()
        assert [job.args["args"] for job in jobs] == [[run_id, [link.pk]] for link in links]
        assert {job.task_name for job in jobs} == {f"invoicedesk.run.retrying.{LINK_TASK}"}
        assert ReconciliationItem.objects.filter(run=run, done_at=None).count() == 3

        run_queued_jobs()

    run.refresh_from_db()
    assert run.finished_at is not None and run.differences_left == 1  # re_ghost, for a person
    assert [job.status for job in link_jobs()] == ["succeeded"] * 3
    differences = {
        item.payment_link_id: [d["kind"] for d in item.differences] for item in ReconciliationItem.objects.all()
    }
    assert differences == {links[0].pk: [], links[1].pk: [], links[2].pk: ["refund_missing_at_stripe"]}
    assert Refund.objects.get(payment_link=links[1], source=RefundSource.STRIPE_DASHBOARD).amount == 4_000
    # Each link asked about once (a retrieve and a list of refunds); the fixed one also by its fix and the check after.
    intents = [link.stripe_payment_intent_id for link in links]
    asked = [sum(intent in url for _, url in counting.calls) for intent in intents]
    assert asked == [2, 6, 2], counting.calls


def test_a_second_start_while_one_is_open_starts_nothing(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice], org: Any
) -> None:
    settings.TASKS = QUEUE
    make_paid_invoice(number="INV-1")
    first = reconcile_nightly_if_due()
    assert first is not None
    # Open, whatever its age: a run still going is never joined by a second.
    long_ago = ReconciliationRun.objects.get().started_at.replace(year=2020)
    ReconciliationRun.objects.filter(pk=first).update(started_at=long_ago)
    assert reconcile_nightly_if_due() is None
    assert ReconciliationRun.objects.count() == 1 and len(link_jobs()) == 1
    # The database holds it too: no second open run, however it is written.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReconciliationRun.objects.create()


def test_two_starts_at_once_on_an_empty_table_make_one_run(settings: Any) -> None:
    settings.TASKS = QUEUE
    started: list[int | None] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            started.append(reconcile_nightly_if_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(started) == 4 and len([run for run in started if run is not None]) == 1, started
    run = ReconciliationRun.objects.get()
    assert run.finished_at is not None and run.differences_left == 0  # no links: closed at once


def test_stripe_unknown_outcome_is_retried_by_procrastinate_and_reported_on_the_last_attempt(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    link = PaymentLink.objects.get(invoice=make_paid_invoice(number="INV-1"))
    failing = FaultyHTTPClient(fail=lambda method, url: stripe_error(503, "api_error", "Stripe is down", "api_error"))
    with stripe_http_client(failing):
        run_id = reconcile_nightly_if_due()
        assert run_id is not None
        run_queued_jobs()
        (job,) = link_jobs()
        # Not a refusal, not "agrees": the job waits for its retry; the link is not done, the run stays open.
        assert (job.status, job.attempts) == ("todo", 1) and job.scheduled_at is not None
        assert ReconciliationItem.objects.get().done_at is None
        assert ReconciliationRun.objects.get(pk=run_id).finished_at is None

        # Its last attempt (as procrastinate counts them) reports the link for a person and closes the run.
        ProcrastinateJob.objects.filter(pk=job.pk).update(attempts=5, scheduled_at=None)
        run_queued_jobs()
    item = ReconciliationItem.objects.get()
    assert item.done_at is not None
    assert [(d["kind"], d["reference"]) for d in item.differences] == [
        ("stripe_unreachable", link.stripe_payment_intent_id)
    ]
    run = ReconciliationRun.objects.get(pk=run_id)
    assert run.finished_at is not None and run.differences_left == 1
    assert link_jobs()[0].status == "succeeded"


def test_a_job_run_again_skips_the_links_already_done(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    settings.RECONCILE_LINKS_PER_JOB = 2
    links = [PaymentLink.objects.get(invoice=make_paid_invoice(number=f"INV-{n}")) for n in (1, 2)]
    run_id = reconcile_nightly_if_due()
    (job,) = link_jobs()
    assert job.args["args"] == [run_id, [link.pk for link in links]]
    # The first link was recorded done before its worker died.
    ReconciliationItem.objects.filter(payment_link=links[0]).update(done_at=ReconciliationRun.objects.get().started_at)
    counting = FaultyHTTPClient(fail=lambda method, url: None)
    with stripe_http_client(counting):
        run_queued_jobs()
    assert counting.calls and all(links[1].stripe_payment_intent_id in url for _, url in counting.calls)
    assert ReconciliationRun.objects.get().finished_at is not None


def test_slots_are_spaced_by_the_rate_across_connections() -> None:
    """Eight callers on their own connections (as many processes) reserve slots of one limit at 5 per second: each
    gets its own, 0.2 s after the one before."""
    delays: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        try:
            delay = reserve_slot("test-limit", per_second=5)
            with lock:
                delays.append(delay)
        finally:
            connections.close_all()

    started = time.monotonic()
    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    spaced = sorted(delays)
    gaps = [later - earlier for earlier, later in itertools.pairwise(spaced)]
    assert len(spaced) == 8 and spaced[0] <= 0.05, spaced
    assert all(0.15 < gap < 0.25 for gap in gaps), (gaps, elapsed)
    # In a transaction the slot is taken on a connection of its own: the limit's row is not held until commit.
    with transaction.atomic():
        inside = reserve_slot("test-limit", per_second=5)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute("UPDATE core_rateslot SET next_at = next_at WHERE name = 'test-limit'")
        finally:
            other.close()
    assert inside > spaced[-1]
    assert connection.in_atomic_block is False


def test_an_open_run_left_without_jobs_is_resumed_by_the_next_tick(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    links = [PaymentLink.objects.get(invoice=make_paid_invoice(number=f"INV-{n}")) for n in (1, 2)]
    run_id = reconcile_nightly_if_due()
    assert run_id is not None
    # One link done; the other's job failed on something procrastinate does not retry.
    ReconciliationItem.objects.filter(payment_link=links[0]).update(done_at=ReconciliationRun.objects.get().started_at)
    ProcrastinateJob.objects.filter(args__task=LINK_TASK).update(status="failed")
    assert reconcile_nightly_if_due() is None  # no second run: this one resumes
    waiting = [job.args["args"] for job in link_jobs() if job.status == "todo"]
    assert waiting == [[run_id, [links[1].pk]]]
    assert reconcile_nightly_if_due() is None and len(link_jobs()) == 3  # its job waits: nothing more queued
    run_queued_jobs()
    run = ReconciliationRun.objects.get()
    assert run.pk == run_id and run.finished_at is not None and run.differences_left == 0


def test_a_run_whose_jobs_keep_failing_for_a_day_is_closed_with_its_links_unchecked(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    links = [PaymentLink.objects.get(invoice=make_paid_invoice(number=f"INV-{n}")) for n in (1, 2)]
    run_id = reconcile_nightly_if_due()
    assert run_id is not None
    ReconciliationItem.objects.filter(payment_link=links[0]).update(done_at=timezone.now())
    ProcrastinateJob.objects.filter(args__task=LINK_TASK).update(status="failed")
    ReconciliationRun.objects.filter(pk=run_id).update(started_at=timezone.now() - timedelta(hours=24))
    assert reconcile_nightly_if_due() is None  # this tick closes the stranded run instead of queueing again
    run = ReconciliationRun.objects.get(pk=run_id)
    assert run.finished_at is not None and run.differences_left == 1
    unchecked = ReconciliationItem.objects.get(payment_link=links[1])
    assert [d["kind"] for d in unchecked.differences] == ["not_checked"]
    assert [job.status for job in link_jobs()] == ["failed", "failed"]  # nothing queued for it again
    assert reconcile_nightly_if_due() not in (None, run_id)  # and the next run can start


def test_links_that_agreed_are_not_kept_past_35_days(
    settings: Any, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    for n in (1, 2):
        make_paid_invoice(number=f"INV-{n}")
    old = reconcile_nightly_if_due()
    assert old is not None
    long_ago = timezone.now() - timedelta(days=40)
    ReconciliationRun.objects.filter(pk=old).update(started_at=long_ago, finished_at=long_ago, differences_left=1)
    agreed, differed = ReconciliationItem.objects.filter(run_id=old).order_by("pk")
    ReconciliationItem.objects.filter(pk=agreed.pk).update(done_at=long_ago)
    ReconciliationItem.objects.filter(pk=differed.pk).update(done_at=long_ago, differences=[{"kind": "amount_differs"}])
    new = reconcile_nightly_if_due()
    assert new not in (None, old)
    assert list(ReconciliationItem.objects.filter(run_id=old).values_list("pk", flat=True)) == [differed.pk]
    assert ReconciliationItem.objects.filter(run_id=new).count() == 2
