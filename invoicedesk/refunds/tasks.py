import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from invoicedesk.core.queue import has_pending_jobs, is_last_attempt

from .models import ReconciliationItem, ReconciliationRun
from .outcomes import refund_execute, refunds_sync_payment
from .reconcile import (
    NIGHTLY_WINDOW,
    reconcile_run_links,
    reconciliation_finish_if_done,
    reconciliation_mark_unchecked,
    reconciliation_open,
)
from .recovery import refund_recover_and_alert, refunds_due_for_recovery

logger = logging.getLogger(__name__)

# The nightly reconciliation starts when none started within this long.
NIGHTLY_EVERY = timedelta(hours=23)
# How long the links of a finished run that agreed with Stripe are kept.
ITEMS_KEPT = timedelta(days=35)
# Starting a run: one at a time across processes, even before the first run's row exists.
_START_LOCK = "invoicedesk.reconcile_stripe.start"


@task()
def execute_refund(refund_id: int) -> None:
    """Ask Stripe for the refund and record its answer (a worker, never a web request)."""
    refund_execute(refund_id=refund_id)


@task()
def recover_refund(refund_id: int) -> None:
    """Ask Stripe again about a refund whose outcome we do not know (refunds.recovery: never a second refund)."""
    refund_recover_and_alert(refund_id=refund_id)


@task()
def recheck_pending_refunds(link_id: int) -> None:
    """Ask Stripe how the link's refunds stand, for those it was still processing (in case a webhook never came)."""
    refunds_sync_payment(link_id=link_id)


def refunds_recover_enqueue() -> int:
    """Periodic job (every minute): a job per refund to recover and per link to recheck; it never calls Stripe
    itself. One that already waits or runs is not queued again, so an outage does not pile them up."""
    stuck, pending_links = refunds_due_for_recovery()
    queued = 0
    with transaction.atomic():
        for task_, first_arg in [(recover_refund, pk) for pk in stuck] + [
            (recheck_pending_refunds, pk) for pk in pending_links
        ]:
            if has_pending_jobs(task_, first_arg=first_arg):
                continue
            task_.enqueue(first_arg)
            queued += 1
    return queued


@task()
def reconcile_stripe_links(run_id: int, link_ids: list[int]) -> None:
    """One job per link (or RECONCILE_LINKS_PER_JOB links) of a nightly run; retried by procrastinate on Stripe's
    unknown outcomes (refunds.apps registers its retry strategy)."""
    reconcile_run_links(run_id=run_id, link_ids=link_ids, last_attempt=is_last_attempt())


def reconcile_nightly_if_due() -> int | None:
    """Periodic job (hourly): start the nightly reconciliation when none started in the last 23 hours and none is
    still open. It only queues: a run row, an item per link, a job per link; it never calls Stripe itself.

    Kept in the database, so worker restarts neither skip it nor repeat it, and several workers start it once:
    starts take a transaction-scoped advisory lock (it locks on an empty table, where SELECT … FOR UPDATE locks
    nothing), and at most one run is open (a unique index over open runs).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_START_LOCK])
        running = ReconciliationRun.objects.filter(finished_at=None).first()
        if running is not None:
            _resume_if_stranded(running)
            return None
        last = ReconciliationRun.objects.order_by("-started_at").first()
        if last is not None and last.started_at > timezone.now() - NIGHTLY_EVERY:
            return None
        run = reconciliation_open(since=timezone.now() - NIGHTLY_WINDOW)
        if run is None:
            return None
        # Links of old runs that agreed with Stripe are not kept (a row per link per night adds up).
        ReconciliationItem.objects.filter(run__finished_at__lt=timezone.now() - ITEMS_KEPT, differences=[]).delete()
        link_ids = _queue_undone_links(run)
    if not link_ids:
        reconciliation_finish_if_done(run_id=run.pk)
    return run.pk


def _queue_undone_links(run: ReconciliationRun) -> list[int]:
    """A job for each RECONCILE_LINKS_PER_JOB links of the run not done yet, in the current transaction."""
    link_ids = list(
        run.items.filter(done_at=None).order_by("payment_link_id").values_list("payment_link_id", flat=True)
    )
    per_job = max(settings.RECONCILE_LINKS_PER_JOB, 1)
    for start in range(0, len(link_ids), per_job):
        reconcile_stripe_links.enqueue(run.pk, link_ids[start : start + per_job])
    return link_ids


def _resume_if_stranded(run: ReconciliationRun) -> None:
    """An open run none of whose jobs waits or runs (one failed on something other than Stripe, say) would block
    every run after it: its links not done are queued again (at the next hourly tick); after a day of that, it is
    closed with them reported unchecked."""
    if has_pending_jobs(reconcile_stripe_links, first_arg=run.pk):
        return
    if run.started_at <= timezone.now() - NIGHTLY_EVERY:
        # Its jobs keep failing on something not Stripe's: the run is closed with those links reported as not
        # checked (logged as an error and counted in its differences), so the next night's run can start.
        logger.error("reconciliation run %s stranded for a day: closed with its links left unchecked", run.pk)
        reconciliation_mark_unchecked(run=run)
        transaction.on_commit(lambda: reconciliation_finish_if_done(run_id=run.pk))
        return
    logger.warning("reconciliation run %s had links left and no job: queued again", run.pk)
    if not _queue_undone_links(run):
        transaction.on_commit(lambda: reconciliation_finish_if_done(run_id=run.pk))
