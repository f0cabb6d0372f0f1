"""A task queued for a transaction's work commits with it, or not at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.refunds.tasks import execute_refund


@pytest.mark.django_db(transaction=True)
def test_a_task_is_a_job_written_in_the_transaction_of_its_work(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
    with transaction.atomic():
        execute_refund.enqueue(1)
        transaction.set_rollback(True)
    assert not ProcrastinateJob.objects.exists()  # rolled back with the work

    with transaction.atomic():
        execute_refund.enqueue(2)
        assert ProcrastinateJob.objects.filter(args__args=[2]).exists()  # written now, visible at commit
    assert list(ProcrastinateJob.objects.values_list("args", flat=True)) == [
        {"task": "invoicedesk.refunds.tasks.execute_refund", "args": [2], "kwargs": {}}
    ]
