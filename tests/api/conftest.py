from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.api.keys import api_key_create
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.models import PaymentLinkStatus
from tests import factories


class ApiClient:
    """Django's test client with an API key in every request."""

    def __init__(self, secret: str, *, ip: str = "203.0.113.7") -> None:
        self.secret = secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=ip)

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(f"/api/v1{path}", **extra)

    def post(self, path: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", **extra)


def key_for(user: User, org: Organization, **fields: Any) -> str:
    membership = Membership.objects.select_related("organization", "user").get(user=user, organization=org)
    return api_key_create(actor=membership, name=fields.pop("name", "order system"), **fields).secret


@pytest.fixture
def api_as(org: Organization) -> Callable[..., ApiClient]:
    """An API client acting as a new member of `org` (or of the organization given) with the role given."""

    def make(role: Role = Role.OPERATOR, organization: Organization | None = None) -> ApiClient:
        target = organization or org
        return ApiClient(key_for(factories.member(target, role), target))

    return make


@pytest.fixture
def api(api_as: Callable[..., ApiClient]) -> ApiClient:
    return api_as(Role.OPERATOR)


def paid_invoice_without_stripe(org: Organization, amount: int = 110_000, **fields: Any) -> BillingInvoice:
    """A paid invoice as the payment webhook leaves it, made without Stripe (refunds are not executed here)."""
    invoice = factories.invoice(org, amount=amount, link_status=PaymentLinkStatus.PAID, **fields)
    link = invoice.payment_link
    link.addon_contract = org.addon_contracts.first()
    link.stripe_payment_intent_id = f"pi_test_{invoice.pk}"
    link.save(update_fields=["addon_contract", "stripe_payment_intent_id"])
    return invoice


@pytest.fixture
def paid(org: Organization) -> BillingInvoice:
    return paid_invoice_without_stripe(org, number="INV-API-0001")
