from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from invoicedesk.core.tasks import enqueue_with_work

from .models import ReconciliationRun
from .outcomes import refund_execute
from .reconcile import reconcile_nightly

# The nightly reconciliation starts when none started within this long.
NIGHTLY_EVERY = timedelta(hours=23)


@task()
def execute_refund(refund_id: int) -> None:
    """Ask Stripe for the refund and record its answer (a worker, never a web request)."""
    refund_execute(refund_id=refund_id)


@task()
def reconcile_stripe_nightly(run_id: int) -> None:
    reconcile_nightly(run_id=run_id)


def reconcile_nightly_if_due() -> int | None:
    """Periodic job (hourly): start the nightly reconciliation when none started in the last 23 hours.

    Kept in the database, so worker restarts neither skip it nor repeat it, and several workers start it once;
    it runs as a task of its own, not in the job loop that recovery needs every minute.
    """
    with transaction.atomic():
        last = ReconciliationRun.objects.select_for_update().order_by("-started_at").first()
        if last is not None and last.started_at > timezone.now() - NIGHTLY_EVERY:
            return None
        run = ReconciliationRun.objects.create()
        enqueue_with_work(reconcile_stripe_nightly, run.pk)
    return run.pk
