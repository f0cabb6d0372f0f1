"""Tasks claimed by a worker that died (`kill -9`, a lost machine) go back to the queue once their lease is over.

django-tasks-db marks a claimed task RUNNING and nothing else ever looks at it again. Every task of ours is
idempotent (a refund is asked for with its own idempotency key, an email is marked SENDING before it is sent,
an event is processed once), so running a reclaimed task again is safe.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def tasks_reclaim(*, lease: timedelta | None = None) -> int:
    """RUNNING tasks started longer ago than the lease → READY again. Returns how many."""
    lease = lease or timedelta(seconds=settings.WORKER_TASK_TIMEOUT_SECONDS)
    reclaimed = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - lease
    ).update(status=TaskResultStatus.READY, started_at=None)
    if reclaimed:
        logger.warning("reclaimed %d task(s) whose worker stopped before finishing them", reclaimed)
    return reclaimed
