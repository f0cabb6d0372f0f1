"""Refunds through the API: creation with Idempotency-Key, the error codes, reading with ETag, cancelling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from invoicedesk.accounts.models import ApprovalPolicy, Organization, Role
from invoicedesk.api.idempotency import idempotent_requests_purge
from invoicedesk.api.models import IdempotentRequest
from invoicedesk.billing.models import BillingInvoice, PaymentMethod
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundStatus
from tests import factories

from .conftest import ApiClient, paid_invoice_without_stripe

pytestmark = pytest.mark.django_db


def refund_body(invoice: BillingInvoice, amount: Any = 22_000, **fields: Any) -> dict[str, Any]:
    return {"invoice_id": invoice.pk, "amount": amount, "currency": "JPY", "classification": "PARTIAL", **fields}


def test_create_refund_then_replay_then_reuse_with_another_body(api: ApiClient, paid: BillingInvoice) -> None:
    first = api.post(
        "/refunds", refund_body(paid, reason="duplicate", memo="order 42 canceled"), HTTP_IDEMPOTENCY_KEY="order-42"
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["amount"] == {"amount": 22_000, "currency": "JPY"}
    assert body["status"] == "PROCESSING" and body["classification"] == "PARTIAL" and body["reason"] == "duplicate"
    assert body["invoice_number"] == "INV-API-0001" and body["final"] is False

    replay = api.post(
        "/refunds", refund_body(paid, reason="duplicate", memo="order 42 canceled"), HTTP_IDEMPOTENCY_KEY="order-42"
    )
    assert replay.status_code == 201 and replay.json() == body
    assert replay["Idempotent-Replayed"] == "true"
    assert Refund.objects.count() == 1

    reused = api.post("/refunds", refund_body(paid, amount=23_000), HTTP_IDEMPOTENCY_KEY="order-42")
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused" and reused.json()["field"] == "Idempotency-Key"
    assert Refund.objects.count() == 1


def test_the_answer_is_replayed_even_after_the_refund_moved_on(api: ApiClient, paid: BillingInvoice) -> None:
    first = api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="k1").json()
    Refund.objects.filter(pk=first["id"]).update(status=RefundStatus.SUCCEEDED)
    assert api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="k1").json() == first
    assert api.get(f"/refunds/{first['id']}").json()["status"] == "SUCCEEDED"


def test_refused_requests_are_remembered_too(api: ApiClient, paid: BillingInvoice) -> None:
    too_much = api.post("/refunds", refund_body(paid, amount=120_000), HTTP_IDEMPOTENCY_KEY="big")
    assert too_much.status_code == 409 and too_much.json()["code"] == "amount_exceeds_refundable"
    again = api.post("/refunds", refund_body(paid, amount=120_000), HTTP_IDEMPOTENCY_KEY="big")
    assert again.status_code == 409 and again.json() == too_much.json() and again["Idempotent-Replayed"] == "true"


def test_keys_are_unique_per_organization_not_across(
    api: ApiClient, paid: BillingInvoice, api_as: Callable[..., ApiClient], other_org: Organization
) -> None:
    theirs = paid_invoice_without_stripe(other_org)
    other = api_as(Role.OPERATOR, other_org)
    assert api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="same-key").status_code == 201
    assert other.post("/refunds", refund_body(theirs), HTTP_IDEMPOTENCY_KEY="same-key").status_code == 201
    assert Refund.objects.count() == 2
    assert IdempotentRequest.objects.count() == 2


def test_the_idempotency_key_is_required(api: ApiClient, paid: BillingInvoice) -> None:
    response = api.post("/refunds", refund_body(paid))
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"
    assert not Refund.objects.exists()


def test_over_the_refundable_amount_names_it(api: ApiClient, paid: BillingInvoice) -> None:
    assert api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="a").status_code == 201
    response = api.post("/refunds", refund_body(paid, amount=100_000), HTTP_IDEMPOTENCY_KEY="b")
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "amount_exceeds_refundable" and error["field"] == "amount"
    assert error["details"] == {"refundable": {"amount": 88_000, "currency": "JPY"}}
    assert "88,000" in error["message"]


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"classification": "FULL"}, 409, "classification_mismatch", "classification"),
        ({"amount": 110_000, "classification": "PARTIAL"}, 409, "classification_mismatch", "classification"),
        ({"currency": "USD"}, 409, "currency_mismatch", "currency"),
        ({"amount": 0}, 422, "invalid_request", "amount"),
        ({"classification": "HALF"}, 422, "invalid_request", "classification"),
    ],
)
def test_refused_refunds(
    api: ApiClient, paid: BillingInvoice, fields: dict[str, object], status: int, code: str, field: str
) -> None:
    response = api.post("/refunds", refund_body(paid, **fields), HTTP_IDEMPOTENCY_KEY="x")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["field"] == field
    assert not Refund.objects.exists()


def test_full_refund_of_the_whole_refundable_amount(api: ApiClient, paid: BillingInvoice) -> None:
    response = api.post("/refunds", refund_body(paid, amount=110_000, classification="FULL"), HTTP_IDEMPOTENCY_KEY="f")
    assert response.status_code == 201 and response.json()["classification"] == "FULL"


def test_out_of_scope_not_paid_and_outside_the_addon(api: ApiClient, org: Organization) -> None:
    bank = factories.invoice(org, payment_method=PaymentMethod.BANK_TRANSFER)
    unpaid = factories.invoice(org)
    outside = factories.invoice(org, link_status=PaymentLinkStatus.PAID)  # settled under no add-on contract
    answers = {
        name: api.post("/refunds", refund_body(invoice, amount=1000), HTTP_IDEMPOTENCY_KEY=name)
        for name, invoice in {"bank": bank, "unpaid": unpaid, "outside": outside}.items()
    }
    assert (answers["bank"].status_code, answers["bank"].json()["code"]) == (409, "out_of_scope_payment_method")
    assert (answers["unpaid"].status_code, answers["unpaid"].json()["code"]) == (409, "not_paid")
    assert (answers["outside"].status_code, answers["outside"].json()["code"]) == (409, "addon_not_valid")


def test_a_held_refund_is_created_pending_approval_not_refused(
    api: ApiClient, org: Organization, paid: BillingInvoice
) -> None:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    response = api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="held")
    assert response.status_code == 201 and response.json()["status"] == "PENDING_APPROVAL"


def test_viewer_cannot_refund(api_as: Callable[..., ApiClient], paid: BillingInvoice) -> None:
    response = api_as(Role.VIEWER).post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="v")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Refund.objects.exists() and not IdempotentRequest.objects.exists()


def test_get_refund_with_etag(api: ApiClient, paid: BillingInvoice) -> None:
    created = api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="e").json()
    first = api.get(f"/refunds/{created['id']}")
    assert first.status_code == 200 and first.json()["id"] == created["id"]
    etag = first["ETag"]
    unchanged = api.get(f"/refunds/{created['id']}", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag and unchanged.content == b""
    Refund.objects.filter(pk=created["id"]).update(status=RefundStatus.SUCCEEDED)
    changed = api.get(f"/refunds/{created['id']}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and changed.json()["final"] is True


def test_list_refunds_with_filters_and_cursor(api: ApiClient, org: Organization) -> None:
    invoices = [paid_invoice_without_stripe(org) for _ in range(3)]
    ids = [
        api.post("/refunds", refund_body(invoice, amount=1000), HTTP_IDEMPOTENCY_KEY=f"l{n}").json()["id"]
        for n, invoice in enumerate(invoices)
    ]
    Refund.objects.filter(pk=ids[0]).update(status=RefundStatus.SUCCEEDED)
    first = api.get("/refunds?limit=2").json()
    assert [r["id"] for r in first["items"]] == [ids[2], ids[1]] and first["next_cursor"]
    second = api.get(f"/refunds?limit=2&cursor={first['next_cursor']}").json()
    assert [r["id"] for r in second["items"]] == [ids[0]] and second["next_cursor"] is None
    assert [r["id"] for r in api.get("/refunds?status=SUCCEEDED").json()["items"]] == [ids[0]]
    assert [r["id"] for r in api.get(f"/refunds?invoice_id={invoices[1].pk}").json()["items"]] == [ids[1]]
    assert api.get("/refunds?cursor=abc").json()["code"] == "invalid_request"
    nowhere = api.get(f"/refunds?cursor={2**63}")
    assert nowhere.status_code == 404 and nowhere.json()["field"] == "cursor"


def test_cancel_a_held_request_and_not_one_sent_to_stripe(
    api: ApiClient, org: Organization, paid: BillingInvoice
) -> None:
    sent = api.post("/refunds", refund_body(paid, amount=1000), HTTP_IDEMPOTENCY_KEY="s").json()
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    held = api.post("/refunds", refund_body(paid, amount=2000), HTTP_IDEMPOTENCY_KEY="h").json()
    canceled = api.post(f"/refunds/{held['id']}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "CANCELED"
    again = api.post(f"/refunds/{held['id']}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    in_flight = api.post(f"/refunds/{sent['id']}/cancel")
    assert in_flight.status_code == 409 and in_flight.json()["code"] == "awaiting_stripe"


def test_a_failed_refund_carries_stripes_code_and_message(api: ApiClient, paid: BillingInvoice) -> None:
    created = api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="fail").json()
    Refund.objects.filter(pk=created["id"]).update(
        status=RefundStatus.FAILED, failure_code="charge_disputed", failure_message="The charge is disputed."
    )
    failure = api.get(f"/refunds/{created['id']}").json()["failure"]
    assert failure == {
        "code": "stripe_error",
        "message": "The charge is disputed.",
        "details": {"stripe_code": "charge_disputed", "stripe_message": "The charge is disputed."},
    }


def test_remembered_answers_are_forgotten_after_the_retention_but_the_key_still_makes_one_refund(
    api: ApiClient, paid: BillingInvoice
) -> None:
    first = api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="old").json()
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=169))
    assert idempotent_requests_purge() == 1 and not IdempotentRequest.objects.exists()
    again = api.post("/refunds", refund_body(paid), HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201 and again.json()["id"] == first["id"]  # the refund keeps its key
    reused = api.post("/refunds", refund_body(paid, amount=1000), HTTP_IDEMPOTENCY_KEY="old")
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused"
    assert Refund.objects.count() == 1
