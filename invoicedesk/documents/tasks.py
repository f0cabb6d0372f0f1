"""The documents' tasks, enqueued by name (core.named_tasks) where the refund's outcome is recorded
(refunds.outcomes): one path issues each document; the buyer's email waits for it (notifications.delivery)."""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.tasks import Task, task
from django.utils import timezone

from .issuing import NumberingContention, document_issue_correction, document_issue_return_invoice
from .models import RefundDocument

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min


def _attempt(issue: Callable[..., RefundDocument | None], retry: Task[..., None], refund_id: int, attempt: int) -> None:
    try:
        issue(refund_id=refund_id)
    except Exception as error:
        # Nothing was numbered or stored (numbers are taken in the insert's transaction). Try again later; the email
        # waits a while for the document, then goes without it and says so.
        if attempt >= MAX_ATTEMPTS or not retry.get_backend().supports_defer:
            raise
        if isinstance(error, NumberingContention):  # expected when many are issued at once: no traceback
            logger.warning(
                "document for refund %s not issued (attempt %d): %s; trying again", refund_id, attempt, error
            )
        else:
            logger.exception("document for refund %s not issued (attempt %d); trying again", refund_id, attempt)
        delay = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))
        retry.using(run_after=timezone.now() + delay).enqueue(refund_id, attempt + 1)


@task()
def issue_return_invoice(refund_id: int, attempt: int = 1) -> None:
    _attempt(document_issue_return_invoice, issue_return_invoice, refund_id, attempt)


@task()
def issue_correction(refund_id: int, attempt: int = 1) -> None:
    _attempt(document_issue_correction, issue_correction, refund_id, attempt)
