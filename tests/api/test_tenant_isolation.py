"""Another organization's objects do not exist for a key: every operation of the schema that names an object
answers 404 not_found for every id of organization A when called with a key of organization B, and changes
nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from invoicedesk.accounts.models import ApprovalPolicy, Organization, Role
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.api.api import api as ninja_api
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import Refund
from tests import factories

from .conftest import ApiClient, key_for, paid_invoice_without_stripe

pytestmark = pytest.mark.django_db


def test_a_key_of_organization_b_finds_none_of_organization_as_objects(
    org: Organization, other_org: Organization
) -> None:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    operator_a = factories.member(org, Role.OPERATOR)
    a = ApiClient(key_for(operator_a, org))
    invoice = paid_invoice_without_stripe(org)
    unpaid = factories.invoice(org)
    held = a.post(
        "/refunds",
        {"invoice_id": invoice.pk, "amount": 1000, "currency": "JPY", "classification": "PARTIAL"},
        HTTP_IDEMPOTENCY_KEY="a-1",
    ).json()
    alert = alert_raise(organization_id=org.pk, kind=AlertKind.PAYMENT_DIFFERS, subject="pi_a")
    ids_of_a = {"invoice_id": [invoice.pk, unpaid.pk], "refund_id": [held["id"]], "alert_id": [alert.pk]}
    b = ApiClient(key_for(factories.member(other_org, Role.ADMIN), other_org))
    before = (Refund.objects.count(), list(PaymentLink.objects.values_list("status", flat=True)))

    schema = ninja_api.get_openapi_schema()
    checked = []
    for path, operations in schema["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        if not names:
            continue
        for method in operations:
            for name in names:
                assert name in ids_of_a, f"{method.upper()} {path}: no object of A to try for {{{name}}}"
                for object_id in ids_of_a[name]:
                    url = path.removeprefix("/api/v1").replace(f"{{{name}}}", str(object_id))
                    call: Any = b.get if method == "get" else b.post
                    response = call(url) if method == "get" else call(url, {"comment": "not mine"})
                    assert response.status_code == 404, (method, url, response.content)
                    assert response.json()["code"] == "not_found", (method, url)
                    checked.append(f"{method.upper()} {path}")
    assert len(set(checked)) >= 8, checked  # every object operation was walked

    # A's invoice named in B's refund body is just as missing.
    refund = b.post(
        "/refunds",
        {"invoice_id": invoice.pk, "amount": 1000, "currency": "JPY", "classification": "PARTIAL"},
        HTTP_IDEMPOTENCY_KEY="b-1",
    )
    assert refund.status_code == 404 and refund.json()["code"] == "not_found"
    # And B's lists hold nothing of A's.
    assert b.get("/invoices").json()["items"] == []
    assert b.get("/refunds").json()["items"] == []
    assert b.get(f"/refunds?invoice_id={invoice.pk}").json()["items"] == []
    assert b.get("/approvals").json()["items"] == []
    assert b.get("/alerts").json()["items"] == []
    assert all(entry["actor"] != operator_a.email for entry in b.get("/audit-entries").json()["items"])

    assert (Refund.objects.count(), list(PaymentLink.objects.values_list("status", flat=True))) == before
    assert Refund.objects.get(pk=held["id"]).status == "PENDING_APPROVAL"
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
