from django.tasks import task

from .issuing import document_issue_correction, document_issue_return_invoice


@task()
def issue_return_invoice(refund_id: int) -> None:
    document_issue_return_invoice(refund_id=refund_id)


@task()
def issue_correction(refund_id: int) -> None:
    document_issue_correction(refund_id=refund_id)
