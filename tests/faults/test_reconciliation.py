"""The nightly reconciliation with real worker processes and a slow Stripe (a proxy in front of localstripe): a run
that outlives what used to be the lease compares each link once; a kill -9 mid-run leaves the links done alone and
the run completes; two workers together keep to STRIPE_RATE_LIMIT_PER_SECOND."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import ReconciliationItem, ReconciliationRun
from invoicedesk.refunds.tasks import reconcile_nightly_if_due

from .stripe_proxy import StripeProxy
from .support import WorkerProcess, running_workers, wait_until, worker_env

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
LINK_TASK = "invoicedesk.refunds.tasks.reconcile_stripe_links"
# Short timings standing in for production's: a worker silent for 1.5 s is dead (30 s in production), the lease a
# Stripe call must fit in is 3 s (300 s); check E001 holds: 2.5 s × 1 attempt < 3 s.
STALLED_SECONDS = 1.5
LEASE_SECONDS = 3
STRIPE_TIMEOUT_SECONDS = 2.5


def paid_links(make: Callable[..., BillingInvoice], count: int) -> list[PaymentLink]:
    return [PaymentLink.objects.get(invoice=make(number=f"INV-R{n:03}", amount=11_000)) for n in range(count)]


def env_for(proxy: StripeProxy, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = worker_env(
        stripe_api_base=proxy.url,
        smtp_port=1,
        var_dir=tmp_path / "var",
        lease_seconds=LEASE_SECONDS,
        stripe_timeout_seconds=STRIPE_TIMEOUT_SECONDS,
        stalled_seconds=STALLED_SECONDS,
    )
    env.update(extra)
    return env


def asked_about(proxy: StripeProxy, link: PaymentLink, *, after: float = 0) -> int:
    """Requests the proxy saw about this link's payment (its retrieval, its refunds' list) since `after`."""
    return sum(link.stripe_payment_intent_id in path for at, _, path in list(proxy.timed) if at >= after)


def finished(run_id: int) -> bool:
    return ReconciliationRun.objects.filter(pk=run_id, finished_at__isnull=False).exists()


def test_a_run_outliving_the_lease_compares_each_link_once(
    settings: Any, tmp_path: Path, stripe_server: LocalStripe, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    links = paid_links(make_paid_invoice, 12)
    # Each request takes 1.2 s: a link (two requests) takes longer than a silent worker is given, the run (twelve
    # links on four threads, 7.2 s at least) more than twice the lease.
    proxy = StripeProxy(stripe_server.url, delay_seconds=1.2).start()
    try:
        run_id = reconcile_nightly_if_due()
        assert run_id is not None
        started = time.monotonic()
        with running_workers() as workers:
            env = env_for(proxy, tmp_path, WORKER_CONCURRENCY="2")
            for n in range(2):
                workers.append(WorkerProcess(env, tmp_path / f"worker-{n}.log").start())
            wait_until(lambda: finished(run_id), timeout=45, what="the run to finish", workers=workers)
            lasted = time.monotonic() - started
            time.sleep(2 * STALLED_SECONDS)  # sweeps keep running: none may put a link's job back
            for worker in workers:
                worker.stop()
    finally:
        proxy.stop()

    at_stripe = [at for at, _, _ in proxy.timed]
    asking = max(at_stripe) + 1.2 - min(at_stripe)  # from the first request to the last answer
    assert asking > 2 * LEASE_SECONDS, asking
    assert [asked_about(proxy, link) for link in links] == [2] * len(links), proxy.timed
    assert ReconciliationRun.objects.count() == 1  # the workers' own hourly tick, if any, started none
    run = ReconciliationRun.objects.get()
    assert (run.links_total, run.differences_left) == (12, 0)
    jobs = ProcrastinateJob.objects.filter(args__task=LINK_TASK)
    assert sorted((job.status, job.attempts) for job in jobs) == [("succeeded", 1)] * 12
    print(
        f"\n[faults] reconciliation of 12 links, Stripe 1.2 s a request, 2 workers × 2 threads: asking Stripe "
        f"{asking:.1f} s, run {lasted:.1f} s with the workers' start (lease {LEASE_SECONDS} s, stalled "
        f"{STALLED_SECONDS} s)"
    )


def test_a_worker_killed_mid_run_leaves_links_done_alone_and_the_run_completes(
    settings: Any, tmp_path: Path, stripe_server: LocalStripe, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    links = paid_links(make_paid_invoice, 6)
    proxy = StripeProxy(stripe_server.url, delay_seconds=0.6).start()
    try:
        run_id = reconcile_nightly_if_due()
        assert run_id is not None
        with running_workers() as workers:
            env = env_for(proxy, tmp_path, WORKER_CONCURRENCY="2")
            first = WorkerProcess(env, tmp_path / "worker-1.log").start()
            workers.append(first)
            wait_until(
                lambda: ReconciliationItem.objects.filter(done_at__isnull=False).count() >= 2,
                what="two links done",
                workers=workers,
            )
            first.kill()
            killed_at = time.monotonic()
            done_before = set(
                ReconciliationItem.objects.filter(done_at__isnull=False).values_list("payment_link_id", flat=True)
            )
            assert not finished(run_id) and first.alive is False
            second = WorkerProcess(env, tmp_path / "worker-2.log").start()
            workers.append(second)
            wait_until(lambda: finished(run_id), timeout=45, what="the run to finish", workers=workers)
            settled_after = time.monotonic() - killed_at
            second.stop()
    finally:
        proxy.stop()

    assert 2 <= len(done_before) < len(links)
    for link in links:
        if link.pk in done_before:
            assert asked_about(proxy, link, after=killed_at) == 0, link  # recorded done: never asked again
        else:
            assert asked_about(proxy, link) >= 2, link  # compared, by one worker or both
    assert ReconciliationRun.objects.count() == 1
    run = ReconciliationRun.objects.get()
    assert (run.links_total, run.differences_left) == (6, 0)
    assert not ReconciliationItem.objects.filter(done_at=None).exists()
    print(
        f"\n[faults] reconciliation kill -9 after {len(done_before)} of 6 links: finished {settled_after:.1f} s "
        f"after the kill (stalled after {STALLED_SECONDS} s)"
    )


def test_two_workers_keep_to_the_stripe_rate_limit(
    settings: Any, tmp_path: Path, stripe_server: LocalStripe, make_paid_invoice: Callable[..., BillingInvoice]
) -> None:
    settings.TASKS = QUEUE
    limit = 5
    links = paid_links(make_paid_invoice, 20)
    proxy = StripeProxy(stripe_server.url).start()
    try:
        run_id = reconcile_nightly_if_due()
        assert run_id is not None
        with running_workers() as workers:
            env = env_for(proxy, tmp_path, WORKER_CONCURRENCY="4", STRIPE_RATE_LIMIT_PER_SECOND=str(limit))
            for n in range(2):
                workers.append(WorkerProcess(env, tmp_path / f"worker-{n}.log").start())
            wait_until(lambda: finished(run_id), timeout=40, what="the run to finish", workers=workers)
            for worker in workers:
                worker.stop()
    finally:
        proxy.stop()

    times = sorted(at for at, _, path in proxy.timed if any(link.stripe_payment_intent_id in path for link in links))
    assert len(times) == 2 * len(links)
    # The busiest second (a window starting at each request): at most the limit, one more for timing jitter.
    busiest = max(sum(1 for other in times if start <= other < start + 1) for start in times)
    assert busiest <= limit + 1, busiest
    spread = times[-1] - times[0]
    assert spread >= (len(times) - 1) / limit * 0.9, spread  # paced, not merely slow
    print(
        f"\n[faults] 40 Stripe requests, 2 workers × 4 threads, limit {limit}/s: busiest second {busiest}, "
        f"first to last {spread:.1f} s"
    )
