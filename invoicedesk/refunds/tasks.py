from django.tasks import task

from .outcomes import refund_execute


@task()
def execute_refund(refund_id: int) -> None:
    """Ask Stripe for the refund and record its answer (a worker, never a web request)."""
    refund_execute(refund_id=refund_id)
