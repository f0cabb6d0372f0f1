"""The API takes JSON's own types and nothing else where money or ids are concerned, refuses text the database
cannot hold, bodies past API_MAX_BODY_BYTES (413), and answers a request without credentials 401 whatever its
method."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.refunds.models import Refund
from tests import factories

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def _body(invoice: BillingInvoice, **fields: Any) -> dict[str, Any]:
    return {"invoice_id": invoice.pk, "amount": 22_000, "currency": "JPY", "classification": "PARTIAL", **fields}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", True),  # made a ¥1 refund at Stripe before
        ("amount", False),
        ("amount", "22000"),
        ("amount", 22000.0),
        ("amount", 22000.5),
        ("amount", "２２０００"),
        ("amount", None),
        ("amount", [22000]),
        ("amount", 10**25),
        ("invoice_id", True),
        ("invoice_id", "1"),
        ("invoice_id", 1.0),
        ("invoice_id", 2**63),
        ("currency", 392),
        ("currency", "¥¥¥"),
        ("classification", "full"),
        ("classification", 1),
        ("reason", True),
        ("memo", 42),
        ("memo", "order\u0000 42"),
        ("memo", "\ud800"),
        ("memo", "m" * 2001),
    ],
)
def test_a_value_of_the_wrong_type_is_422_naming_its_field_and_moves_nothing(
    api: ApiClient, paid: BillingInvoice, field: str, value: Any
) -> None:
    response = api.post("/refunds", _body(paid, **{field: value}), HTTP_IDEMPOTENCY_KEY=f"strict-{field}")
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "invalid_request" and error["field"] == field
    assert error["details"]["errors"][0]["location"][-1] == field
    assert not Refund.objects.exists()


def test_the_same_values_with_their_right_types_make_the_refund(api: ApiClient, paid: BillingInvoice) -> None:
    response = api.post("/refunds", _body(paid, memo="order 42\nline two"), HTTP_IDEMPOTENCY_KEY="strict-ok")
    assert response.status_code == 201, response.content
    assert Refund.objects.get().amount == 22_000


def test_a_decision_comment_with_nul_is_422(org: Organization, api_as: Any) -> None:
    approver = api_as(Role.APPROVER)
    response = approver.post("/approvals/1/approve", {"comment": "ok\u0000"})
    assert response.status_code == 422 and response.json()["field"] == "comment"


def test_a_body_past_the_configured_size_is_413(api: ApiClient, paid: BillingInvoice, settings: Any) -> None:
    settings.API_MAX_BODY_BYTES = 4096
    big = json.dumps(_body(paid, memo="m" * 2000, padding="p" * 5000))
    response = api.client.post(
        "/api/v1/refunds", big, content_type="application/json", HTTP_IDEMPOTENCY_KEY="strict-big"
    )
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "request_too_large" and response.json()["details"]["limit_bytes"] == 4096
    assert not Refund.objects.exists()


def test_a_body_past_djangos_own_limit_is_413_too(api: ApiClient, paid: BillingInvoice) -> None:
    # 2.5 MB, Django's DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses to read it at all (this was a 500).
    big = json.dumps(_body(paid, memo="m" * 3_000_000))
    response = api.client.post(
        "/api/v1/refunds", big, content_type="application/json", HTTP_IDEMPOTENCY_KEY="strict-huge"
    )
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/invoices"),
        ("post", "/api/v1/refunds"),
        ("post", "/api/v1/refunds/1/cancel"),
        ("post", "/api/v1/approvals/1/approve"),
        ("post", "/api/v1/alerts/1/acknowledge"),
        ("post", "/api/v1/invoices/1/payment-link"),
    ],
)
@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwYXNz", "Bearer"])
def test_no_credentials_is_401_unauthenticated_whatever_the_method(
    org: Organization, method: str, path: str, authorization: str | None
) -> None:
    # docs/api.md: no key is 401. A keyless POST was a CSRF refusal (403 forbidden) before.
    headers = {"Idempotency-Key": "k", **({"Authorization": authorization} if authorization else {})}
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method.upper(), path, "{}", content_type="application/json", headers=headers)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "unauthenticated" and response["WWW-Authenticate"] == "Bearer"


def test_a_signed_in_session_still_needs_its_csrf_token(org: Organization) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.member(org, Role.ADMIN))
    refused = client.post("/api/v1/alerts/1/acknowledge", content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
