"""Small, explicit builders for test data: each returns saved rows with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from invoicedesk.accounts.models import AddonContract, Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice, Buyer, PaymentMethod
from invoicedesk.devtools.test_cards import pay_with_test_card
from invoicedesk.payments import services as payment_services
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus

_sequence = itertools.count(1)
PASSWORD = "correct-horse-battery"


def organization(
    name: str | None = None, *, currency: str = "JPY", addon: bool = True, two_factor: bool = False
) -> Organization:
    # Two-factor sign-in is on for new organizations; off here so that tests about other things sign in with a
    # password alone (tests/accounts/test_two_factor.py turns it on).
    org = Organization.objects.create(
        name=name or f"Seller {next(_sequence)}", currency=currency, require_two_factor=two_factor
    )
    if addon:
        AddonContract.objects.create(organization=org, starts_at=timezone.now() - timedelta(days=365))
    return org


def member(org: Organization, role: Role = Role.OPERATOR, *, email: str | None = None, language: str = "") -> User:
    user = User.objects.create_user(email or f"user{next(_sequence)}@example.test", PASSWORD, language=language)
    Membership.objects.create(user=user, organization=org, role=role)
    return user


def buyer(org: Organization, company_name: str = "Sakura Trading Co., Ltd.", **fields: Any) -> Buyer:
    fields.setdefault("email", "billing@buyer.example")
    return Buyer.objects.create(organization=org, company_name=company_name, **fields)


def invoice(
    org: Organization,
    *,
    number: str | None = None,
    bill_to: Buyer | None = None,
    amount: int = 110_000,
    issue_date: date = date(2026, 4, 1),
    due_days: int = 30,
    payment_method: str = PaymentMethod.ONLINE_PAYMENT_LINK,
    link_status: PaymentLinkStatus | None = PaymentLinkStatus.UNPAID,
) -> BillingInvoice:
    inv = BillingInvoice.objects.create(
        organization=org,
        number=number or f"INV-T-{next(_sequence):05d}",
        buyer=bill_to or buyer(org),
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=due_days),
        amount=amount,
        currency=org.currency,
        payment_method=payment_method,
    )
    if payment_method == PaymentMethod.ONLINE_PAYMENT_LINK and link_status is not None:
        link = PaymentLink(invoice=inv, status=link_status, expires_at=timezone.now() + timedelta(days=30))
        if link_status in PaymentLinkStatus.settled():
            link.amount_paid = amount
            link.paid_currency = inv.currency
            link.paid_at = timezone.make_aware(datetime.combine(issue_date, datetime.min.time()))
            link.amount_refunded = {"PAID": 0, "PARTIALLY_REFUNDED": amount // 2, "REFUNDED": amount}[link_status]
        link.save()
    return inv


def pay_through_stripe(invoice: BillingInvoice) -> BillingInvoice:
    """Pay the invoice's link for real against localstripe, as the buyer's browser would."""
    link = invoice.payment_link
    intent = payment_services.payment_intent_for_link(link=link)
    link.refresh_from_db()  # the account its PaymentIntent was made on
    intent = pay_with_test_card(
        payment_intent_id=intent.id,
        number="4242424242424242",
        exp_month=12,
        exp_year=2030,
        cvc="123",
        stripe_account=link.stripe_account,
    )
    payment_services.payment_record_intent(intent=intent)
    invoice.payment_link.refresh_from_db()
    return invoice
