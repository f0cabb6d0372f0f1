"""Stripe's answer shown when it arrives: the refund window's long poll and the detail page's banner answer
within 300 ms of the commit that records it (woken by PostgreSQL's NOTIFY), and a
poll that nothing answers ends at its limit with the page asking again."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds import live
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.outcomes import refund_apply_stripe_refund
from invoicedesk.stripe_integration import gateway
from tests.api.conftest import paid_invoice_without_stripe

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}


def _processing(org: Organization, membership: Membership) -> Refund:
    invoice = paid_invoice_without_stripe(org)
    link = PaymentLink.objects.get(invoice=invoice)
    return Refund.objects.create(
        organization=org,
        payment_link=link,
        amount=22_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.PROCESSING,
        requested_by=membership.user,
    )


def _answer(refund: Refund) -> None:
    """What the worker records when Stripe says the refund succeeded (its commit)."""
    refund_apply_stripe_refund(
        refund_id=refund.pk,
        info=gateway.RefundInfo(
            id=f"re_live_{refund.pk}",
            status="succeeded",
            amount=refund.amount,
            currency="JPY",
            payment_intent_id=refund.payment_link.stripe_payment_intent_id,
            failure_reason=None,
            metadata={"refund_id": str(refund.pk)},
        ),
    )


def _in_thread(client: Client, url: str, result: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        try:
            result["response"] = client.get(url, headers=HTMX)
            result["at"] = time.time()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("page", ["modal", "detail"])
def test_the_page_learns_of_stripes_answer_within_300_ms(
    org: Organization,
    operator_membership: Membership,
    operator_client: Client,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    page: str,
) -> None:
    settings.REFUND_LONG_POLL_SECONDS = 10
    # Only the commit's NOTIFY can answer in time: the fallback look would come seconds later.
    monkeypatch.setattr(live, "POLL_SECONDS", 5.0)
    refund = _processing(org, operator_membership)
    invoice_id = refund.payment_link.invoice_id
    if page == "modal":
        url = f"/billing/invoices/{invoice_id}/refunds/{refund.pk}/progress/?wait=1"
    else:
        url = f"/billing/invoices/{invoice_id}/refunds/in-flight/?wait=1&showing={refund.pk}:PROCESSING:0"
    result: dict[str, Any] = {}
    thread = _in_thread(operator_client, url, result)
    time.sleep(1.0)  # the page is waiting
    assert "response" not in result, "it waits instead of answering at once"
    _answer(refund)
    refund.refresh_from_db()
    recorded = refund.updated_at.timestamp()  # the moment the worker recorded it (just before its commit)
    thread.join(timeout=5)
    assert result["response"].status_code == 204
    assert result["response"]["HX-Redirect" if page == "modal" else "HX-Refresh"]
    assert result["at"] - recorded < 0.3, f"answered {result['at'] - recorded:.3f} s after Stripe's answer"


def test_a_long_poll_ends_at_its_limit_and_the_page_asks_again(
    org: Organization, operator_membership: Membership, operator_client: Client, settings: Any
) -> None:
    settings.REFUND_LONG_POLL_SECONDS = 0.5
    refund = _processing(org, operator_membership)
    url = f"/billing/invoices/{refund.payment_link.invoice_id}/refunds/{refund.pk}/progress/?wait=1"
    started = time.monotonic()
    response = operator_client.get(url, headers=HTMX)
    assert 0.45 <= time.monotonic() - started < 3
    html = response.content.decode()
    assert 'data-testid="refund-processing"' in html and 'hx-trigger="load, retry"' in html
    # Without wait=1 (a plain poll) it answers at once.
    started = time.monotonic()
    operator_client.get(url.replace("?wait=1", ""), headers=HTMX)
    assert time.monotonic() - started < 0.4


def test_when_every_slot_is_taken_the_page_asks_again_after_a_pause(
    org: Organization, operator_membership: Membership, operator_client: Client, settings: Any
) -> None:
    refund = _processing(org, operator_membership)
    url = f"/billing/invoices/{refund.payment_link.invoice_id}/refunds/{refund.pk}/progress/?wait=1"
    taken = 0
    while live._slots.acquire(blocking=False):
        taken += 1
    try:
        started = time.monotonic()
        html = operator_client.get(url, headers=HTMX).content.decode()
        assert time.monotonic() - started < 0.4 and 'hx-trigger="load delay:2s, retry"' in html
    finally:
        for _ in range(taken):
            live._slots.release()
