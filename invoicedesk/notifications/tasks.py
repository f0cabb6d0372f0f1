import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .delivery import notification_deliver, notifications_overdue, notifications_reclaim

logger = logging.getLogger(__name__)


@task()
def deliver_notification(notification_id: int) -> None:
    result = notification_deliver(notification_id=notification_id)
    if result.retry_after is None:
        return
    if deliver_notification.get_backend().supports_defer:
        deliver_notification.using(run_after=timezone.now() + result.retry_after).enqueue(notification_id)
    else:  # a backend without deferral (tests): the next run is up to the caller
        logger.info("task backend cannot defer; notification %s waits for the next run", notification_id)


def resend_abandoned_notifications() -> list[int]:
    """Periodic job: emails a dead worker left SENDING are sent again (same Message-ID) once their lease is over,
    and queued emails whose delivery task was lost are queued again. Delivery is idempotent."""
    lease = timedelta(seconds=settings.WORKER_TASK_TIMEOUT_SECONDS)
    due = notifications_reclaim(lease=lease) + notifications_overdue(grace=lease)
    for notification_id in dict.fromkeys(due):
        deliver_notification.enqueue(notification_id)
    return list(dict.fromkeys(due))
