"""The same Idempotency-Key sent at once from many connections: one refund, one remembered answer, and every
caller gets that answer (or, with another body, 409)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections

from invoicedesk.accounts.models import Role
from invoicedesk.api.models import IdempotentRequest
from invoicedesk.refunds.models import Refund
from tests import factories

from .conftest import ApiClient, key_for, paid_invoice_without_stripe

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_with_one_key_make_one_refund() -> None:
    org = factories.organization()
    secret = key_for(factories.member(org, Role.OPERATOR), org)
    invoice = paid_invoice_without_stripe(org)
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, object]] = []
    lock = threading.Lock()

    def call(amount: int) -> None:
        try:
            barrier.wait()
            body = {"invoice_id": invoice.pk, "amount": amount, "currency": "JPY", "classification": "PARTIAL"}
            response = ApiClient(secret).post("/refunds", body, HTTP_IDEMPOTENCY_KEY="one-key")
            answer: tuple[int, object] = (response.status_code, response.json().get("id") or response.json()["code"])
        except Exception as error:  # a deadlock or any other surprise must show in the assertion
            answer = (0, f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    # Most callers send the same body; one sends another amount with the same key.
    amounts = [10_000] * (THREADS - 1) + [20_000]
    threads = [threading.Thread(target=call, args=(amount,)) for amount in amounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refund = Refund.objects.get()
    assert IdempotentRequest.objects.count() == 1
    counts = Counter(answers)
    if refund.amount == 10_000:
        assert counts == {(201, refund.pk): THREADS - 1, (409, "idempotency_key_reused"): 1}, answers
    else:  # the odd one out came first: every other caller is told the key was used for another request
        assert counts == {(201, refund.pk): 1, (409, "idempotency_key_reused"): THREADS - 1}, answers
