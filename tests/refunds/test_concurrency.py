"""Concurrent refunds on one payment, from separate database connections.

The payment link's row lock (SELECT … FOR UPDATE) serialises them: no over-refund."""

import threading
import uuid
from collections import Counter
from typing import Any

import pytest
from django.db import connections

from invoicedesk.accounts.models import Membership, Role
from invoicedesk.core.errors import ErrorCode, ServiceError
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_partial_refunds_never_over_refund(stripe_server: Any) -> None:
    org = factories.organization()
    members = [Membership.objects.get(user=factories.member(org, Role.OPERATOR)) for _ in range(THREADS)]
    invoice = factories.pay_through_stripe(factories.invoice(org, amount=110_000))
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def operator(member: Membership) -> None:
        try:
            barrier.wait()
            # Every operator saw 110,000 refundable and asked for a partial 10,000.
            request = RefundInput(
                invoice_id=invoice.pk,
                amount=10_000,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
                shown_refundable=110_000,
                confirm_repeat=True,  # ten equal refunds are meant here: the cap is what is tested
            )
            refund = refund_request(actor=member, request=request)
            outcome = f"refund:{refund.pk}"
        except ServiceError as error:
            # Nothing left: the Refundable Amount the refusal states is 0.
            nothing_left = error.details.get("refundable") == {"amount": 0, "currency": "JPY"}
            outcome = (
                "nothing_refundable"
                if error.code is ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE and nothing_left
                else error.code
            )
        except Exception as error:  # a deadlock or any other surprise must show in the assertion
            outcome = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=operator, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counts = Counter(o if not o.startswith("refund:") else "refund" for o in outcomes)
    # 11 × 10,000 = 110,000: exactly eleven fit; the other nine find nothing left.
    assert counts == {"refund": 11, "nothing_refundable": 9}, outcomes
    assert sum(counts.values()) == THREADS
    refunds = Refund.objects.filter(payment_link__invoice=invoice)
    assert refunds.count() == 11
    assert sum(r.amount for r in refunds) == 110_000
    assert set(refunds.values_list("status", flat=True)) == {RefundStatus.SUCCEEDED}
    # The one that emptied the payment is stored as what it turned out to be.
    assert sorted(refunds.values_list("classification", flat=True)) == ["FULL"] + ["PARTIAL"] * 10
    link = PaymentLink.objects.get(invoice=invoice)
    assert link.amount_refunded == 110_000 and link.status == PaymentLinkStatus.REFUNDED
