"""The issue's acceptance run, end to end: a key made on the API keys page refunds 22,000 of a paid 110,000 JPY
invoice through localstripe (the real SDK), the call replayed gives the same refund, another body with that key
gets 409, 100,000 gets amount_exceeds_refundable naming 88,000, and the client follows the refund to its end."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from invoicedesk.accounts.models import User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.refunds.models import Refund

from .conftest import ApiClient


@pytest.mark.django_db(transaction=True)
def test_refund_by_api_key_replay_reuse_and_cap(
    operator: User, login: Callable[[User], Client], paid_invoice: BillingInvoice
) -> None:
    page = login(operator).post("/accounts/api-keys/", {"name": "order system"}, follow=True).content.decode()
    secret = re.search(r'data-testid="api-key-secret">(idk_[^<]+)<', page)
    assert secret
    client = ApiClient(secret[1])
    body = {
        "invoice_id": paid_invoice.pk,
        "amount": 22_000,
        "currency": "JPY",
        "classification": "PARTIAL",
        "reason": "requested_by_customer",
    }

    created = client.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="order-1001-cancel")
    assert created.status_code == 201, created.content
    refund = created.json()

    replayed = client.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="order-1001-cancel")
    assert replayed.status_code == 201 and replayed.json() == refund

    reused = client.post("/refunds", {**body, "amount": 23_000}, HTTP_IDEMPOTENCY_KEY="order-1001-cancel")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"

    too_much = client.post("/refunds", {**body, "amount": 100_000}, HTTP_IDEMPOTENCY_KEY="order-1002-cancel")
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "amount_exceeds_refundable"
    assert too_much.json()["details"]["refundable"] == {"amount": 88_000, "currency": "JPY"}
    assert "¥88,000" in too_much.json()["message"]

    # Following it: the tests' worker ran at the refund's commit, before the request returned, so the first poll
    # is final.
    followed = client.get(f"/refunds/{refund['id']}")
    assert followed.json()["status"] == "SUCCEEDED" and followed.json()["final"] is True
    assert followed.json()["stripe_refund_id"].startswith("re_")
    assert client.get(f"/refunds/{refund['id']}", HTTP_IF_NONE_MATCH=followed["ETag"]).status_code == 304
    assert Refund.objects.get().amount == 22_000 and len(mail.outbox) == 1
    detail = client.get(f"/invoices/{paid_invoice.pk}").json()
    assert detail["payment_link"]["status"] == "PARTIALLY_REFUNDED" and detail["refundable"]["amount"] == 88_000
