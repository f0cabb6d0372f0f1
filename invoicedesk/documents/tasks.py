from django.tasks import task

from .issuing import document_issue_return_invoice


@task()
def issue_return_invoice(refund_id: int) -> None:
    document_issue_return_invoice(refund_id=refund_id)
