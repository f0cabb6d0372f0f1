"""Each endpoint's happy path and its refusals: invoices, payment links, approvals, alerts, audit entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from invoicedesk.accounts.models import AddonContract, ApprovalPolicy, Organization, Role
from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.billing.models import PaymentMethod
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund
from tests import factories

from .conftest import ApiClient, paid_invoice_without_stripe

pytestmark = pytest.mark.django_db


def test_invoice_list_filters_sort_and_cursor(api: ApiClient, org: Organization) -> None:
    sakura = factories.buyer(org, "Sakura Trading Co., Ltd.")
    for day in (1, 2, 3):
        factories.invoice(
            org, number=f"INV-2026-00{day}", bill_to=sakura, issue_date=date(2026, 4, day), amount=day * 1000
        )
    factories.invoice(
        org,
        number="OTHER-1",
        bill_to=factories.buyer(org, "Kaede Foods K.K."),
        issue_date=date(2026, 5, 1),
        payment_method=PaymentMethod.BANK_TRANSFER,
    )
    first = api.get("/invoices?number=INV-2026&limit=2").json()
    assert [row["number"] for row in first["items"]] == ["INV-2026-003", "INV-2026-002"]
    assert first["items"][0]["bill_to"]["company_name"] == "Sakura Trading Co., Ltd."
    assert first["items"][0]["billing_amount"] == {"amount": 3000, "currency": "JPY"}
    assert first["items"][0]["payment_link_status"] == "UNPAID"
    second = api.get(f"/invoices?number=INV-2026&limit=2&cursor={first['next_cursor']}").json()
    assert [row["number"] for row in second["items"]] == ["INV-2026-001"] and second["next_cursor"] is None
    by_amount = api.get("/invoices?sort=amount&amount_min=2000&bill_to=sakura").json()
    assert [row["number"] for row in by_amount["items"]] == ["INV-2026-002", "INV-2026-003"]
    assert [row["number"] for row in api.get("/invoices?payment_method=bank_transfer").json()["items"]] == ["OTHER-1"]
    assert len(api.get("/invoices?issued_from=2026-04-02&issued_to=2026-04-30").json()["items"]) == 2
    assert api.get("/invoices?status=PAID").json()["items"] == []
    assert api.get("/invoices?issued_to=0").json()["code"] == "invalid_request"


def test_invoice_detail_has_link_refundable_refunds_and_history(api: ApiClient, paid: object) -> None:
    invoice_id = paid.pk  # type: ignore[attr-defined]
    api.post(
        "/refunds",
        {"invoice_id": invoice_id, "amount": 22_000, "currency": "JPY", "classification": "PARTIAL"},
        HTTP_IDEMPOTENCY_KEY="d",
    )
    detail = api.get(f"/invoices/{invoice_id}").json()
    assert detail["number"] == "INV-API-0001"
    assert detail["payment_link"]["status"] == "PAID" and detail["payment_link"]["url"].startswith("http")
    assert detail["payment_link"]["paid"] == {"amount": 110_000, "currency": "JPY"}
    assert detail["refundable"] == {"amount": 88_000, "currency": "JPY"}
    assert [refund["amount"]["amount"] for refund in detail["refunds"]] == [22_000]
    assert detail["history"][0]["kind"] == "REFUND" and detail["history"][0]["message"]
    missing = api.get("/invoices/999999")
    assert missing.status_code == 404 and missing.json() == {
        "code": "not_found",
        "message": "No such invoice.",
        "field": None,
        "details": {},
    }


def test_payment_link_issue_reissue_and_cancel(api: ApiClient, org: Organization) -> None:
    invoice = factories.invoice(org, link_status=None)
    issued = api.post(f"/invoices/{invoice.pk}/payment-link")
    assert issued.status_code == 200 and issued.json()["status"] == "UNPAID"
    reissued = api.post(f"/invoices/{invoice.pk}/payment-link").json()
    assert reissued["id"] == issued.json()["id"] and reissued["url"] != issued.json()["url"]
    canceled = api.post(f"/invoices/{invoice.pk}/payment-link/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "CANCELED"


def test_payment_link_refusals(api: ApiClient, api_as: Callable[..., ApiClient], org: Organization) -> None:
    paid = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    already = api.post(f"/invoices/{paid.pk}/payment-link/cancel")
    assert already.status_code == 409 and already.json()["code"] == "already_paid"
    bank = factories.invoice(org, payment_method=PaymentMethod.BANK_TRANSFER)
    assert api.post(f"/invoices/{bank.pk}/payment-link").json()["code"] == "out_of_scope_payment_method"
    viewer = api_as(Role.VIEWER).post(f"/invoices/{bank.pk}/payment-link")
    assert viewer.status_code == 403 and viewer.json()["code"] == "forbidden"
    AddonContract.objects.filter(organization=org).delete()
    unpaid = factories.invoice(org, link_status=None)
    assert api.post(f"/invoices/{unpaid.pk}/payment-link").json()["code"] == "addon_not_valid"


@pytest.fixture
def held(org: Organization, api: ApiClient) -> dict[str, object]:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    invoice = paid_invoice_without_stripe(org)
    body = {"invoice_id": invoice.pk, "amount": 5000, "currency": "JPY", "classification": "PARTIAL"}
    created: dict[str, object] = api.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="held").json()
    return created


def test_approvals_list_approve_and_reject(
    held: dict[str, object], api: ApiClient, api_as: Callable[..., ApiClient], org: Organization
) -> None:
    approver = api_as(Role.APPROVER)
    listed = approver.get("/approvals").json()
    assert [refund["id"] for refund in listed["items"]] == [held["id"]]
    approved = approver.post(f"/approvals/{held['id']}/approve", {"comment": "ok"})
    assert approved.status_code == 200 and approved.json()["status"] == "PROCESSING"
    assert approved.json()["decision_comment"] == "ok" and approved.json()["decided_by"]
    again = approver.post(f"/approvals/{held['id']}/reject", {"comment": "late"})
    assert again.status_code == 409 and again.json()["code"] == "already_decided"

    invoice = paid_invoice_without_stripe(org)
    body = {"invoice_id": invoice.pk, "amount": 5000, "currency": "JPY", "classification": "PARTIAL"}
    second = api.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="held-2").json()
    rejected = approver.post(f"/approvals/{second['id']}/reject", {"comment": "duplicate request"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "REJECTED" and rejected.json()["final"]


def test_approval_refusals(
    held: dict[str, object], api: ApiClient, api_as: Callable[..., ApiClient], org: Organization
) -> None:
    assert api.get("/approvals").status_code == 403  # an operator is no approver
    operator = api.post(f"/approvals/{held['id']}/approve", {})
    assert operator.status_code == 403 and operator.json()["code"] == "forbidden"
    # An admin who requested the refund cannot approve it.
    approver = api_as(Role.ADMIN)
    invoice = paid_invoice_without_stripe(org)
    body = {"invoice_id": invoice.pk, "amount": 5000, "currency": "JPY", "classification": "PARTIAL"}
    own = approver.post("/refunds", body, HTTP_IDEMPOTENCY_KEY="own").json()
    refused = approver.post(f"/approvals/{own['id']}/approve", {})
    assert refused.status_code == 403 and refused.json()["code"] == "self_approval_forbidden"
    assert Refund.objects.get(pk=own["id"]).status == "PENDING_APPROVAL"


def test_alerts_list_and_acknowledge(api: ApiClient, api_as: Callable[..., ApiClient], org: Organization) -> None:
    alert = alert_raise(organization_id=org.pk, kind=AlertKind.REFUND_MADE_OUTSIDE, subject="re_123")
    listed = api.get("/alerts").json()
    assert [row["id"] for row in listed["items"]] == [alert.pk] and listed["items"][0]["subject"] == "re_123"
    acknowledged = api.post(f"/alerts/{alert.pk}/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_by"]
    assert api.get("/alerts").json()["items"] == []
    assert [row["id"] for row in api.get("/alerts?include_acknowledged=true").json()["items"]] == [alert.pk]
    assert api_as(Role.VIEWER).get("/alerts").json()["code"] == "forbidden"


def test_audit_entries_for_admins_with_filters_and_cursor(
    api: ApiClient, api_as: Callable[..., ApiClient], held: dict[str, object]
) -> None:
    admin = api_as(Role.ADMIN)
    page = admin.get("/audit-entries?action=refund.request").json()
    assert [entry["object_id"] for entry in page["items"]] == [str(held["id"])]
    everything = admin.get("/audit-entries?limit=1").json()
    assert len(everything["items"]) == 1 and everything["next_cursor"]
    following = admin.get(f"/audit-entries?limit=1&cursor={everything['next_cursor']}").json()
    assert following["items"][0]["id"] < everything["items"][0]["id"]
    assert admin.get("/audit-entries?since=2999-01-01").json()["items"] == []
    assert admin.get("/audit-entries?since=0001-01-01").status_code == 200
    refused = api.get("/audit-entries")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_every_error_code_is_declared_in_the_schema_and_every_operation_declares_its_errors() -> None:
    from invoicedesk.api.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    declared = set(schema["components"]["schemas"]["ErrorCode"]["enum"])
    assert {
        "amount_exceeds_refundable",
        "classification_mismatch",
        "out_of_scope_payment_method",
        "not_paid",
        "addon_not_valid",
        "self_approval_forbidden",
        "already_decided",
        "currency_mismatch",
        "awaiting_stripe",
        "stripe_error",
        "idempotency_key_reused",
        "rate_limited",
        "not_found",
        "forbidden",
    } <= declared
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = {str(status) for status in operation["responses"]}
            assert {"401", "403", "404", "422", "429"} <= statuses, (method, path)
            assert method != "post" or "409" in statuses, (method, path)
