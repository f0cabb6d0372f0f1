"""A task queued for a transaction's work commits with it, or not at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.tasks import task_backends
from django.tasks.backends.dummy import DummyBackend
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.core.tasks import enqueue_with_work
from invoicedesk.refunds.tasks import execute_refund


@pytest.mark.django_db(transaction=True)
def test_in_the_database_queue_the_task_is_part_of_the_transaction(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
    with transaction.atomic():
        enqueue_with_work(execute_refund, 1)
        transaction.set_rollback(True)
    assert not ProcrastinateJob.objects.exists()  # rolled back with the work

    with transaction.atomic():
        enqueue_with_work(execute_refund, 2)
        assert ProcrastinateJob.objects.filter(args__args=[2]).exists()  # written now, visible at commit
    assert list(ProcrastinateJob.objects.values_list("args", flat=True)) == [
        {"task": "invoicedesk.refunds.tasks.execute_refund", "args": [2], "kwargs": {}}
    ]


@pytest.mark.django_db(transaction=True)
def test_with_another_backend_the_task_is_queued_after_commit(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    with transaction.atomic():
        enqueue_with_work(execute_refund, 3)
        assert backend.results == []  # nothing runs before the work is committed
    assert [result.args for result in backend.results] == [[3]]
