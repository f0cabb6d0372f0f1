"""Recovery as jobs (issue 19: periodic jobs only enqueue work, never call Stripe themselves): every minute the
periodic job queues one job per refund whose outcome is unknown and per link with refunds Stripe still processes;
the job asks Stripe (the same key: one refund at Stripe), and a job that already waits is not queued twice."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.refunds.tasks import refunds_recover_enqueue
from tests.stripe_support import FaultyHTTPClient, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
RECOVER_TASK = "invoicedesk.refunds.tasks.recover_refund"


def unknown_refund(invoice: BillingInvoice, actor: Membership) -> Refund:
    """A refund whose request timed out before it reached Stripe, asked for two minutes ago."""
    timing_out = FaultyHTTPClient(fail=lambda method, url: "timeout" if "/v1/refunds" in url else None)
    with stripe_http_client(timing_out):
        refund = refund_request(
            actor=actor,
            request=RefundInput(
                invoice_id=invoice.pk,
                amount=10_000,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING  # unknown outcome: kept, reserved
    Refund.objects.filter(pk=refund.pk).update(requested_at=timezone.now() - timedelta(minutes=2))
    return refund


def test_the_periodic_job_queues_a_job_per_unknown_refund_and_calls_stripe_not_once(
    settings: Any, paid_invoice: BillingInvoice, operator_membership: Membership
) -> None:
    refund = unknown_refund(paid_invoice, operator_membership)
    settings.TASKS = QUEUE
    counting = FaultyHTTPClient(fail=lambda method, url: None)
    with stripe_http_client(counting):
        assert refunds_recover_enqueue() == 1
        assert refunds_recover_enqueue() == 0  # it waits already: not queued twice
        assert counting.calls == []  # not one Stripe call from the periodic job
    jobs = list(ProcrastinateJob.objects.filter(args__task=RECOVER_TASK))
    assert [job.args["args"] for job in jobs] == [[refund.pk]]

    call_command("run_worker", "--batch", "--no-jobs")  # a worker takes the job: Stripe refunds, once
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refunds_recover_enqueue() == 0  # nothing left to recover
