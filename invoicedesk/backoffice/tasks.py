from datetime import timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from invoicedesk.audit.models import AuditVerification

from .verification import audit_verify

# The nightly verification starts when no full one started within this long.
NIGHTLY_EVERY = timedelta(hours=23)


@task()
def verify_audit_nightly(verification_id: int) -> None:
    audit_verify(verification_id=verification_id)


def verify_audit_if_due() -> int | None:
    """Periodic job (hourly): start the nightly verification of every chain when none started in the last 23
    hours. Claimed in the database, so several workers start it once; it runs as a task of its own."""
    with transaction.atomic():
        last = (
            AuditVerification.objects.select_for_update()
            .filter(organization__isnull=True)
            .order_by("-started_at")
            .first()
        )
        if last is not None and last.started_at > timezone.now() - NIGHTLY_EVERY:
            return None
        verification = AuditVerification.objects.create()
        verify_audit_nightly.enqueue(verification.pk)
    return verification.pk
