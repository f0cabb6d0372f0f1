"""Emails read as the seller's and open where they point: the buyer's email comes from the seller's name and
names the return invoice it carries; the in-app view lists the attachment; every link is absolute."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.documents.models import RefundDocument
from invoicedesk.notifications.delivery import notification_email
from invoicedesk.notifications.models import Notification, NotificationKind
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories
from tests.api.conftest import paid_invoice_without_stripe

ROOT = Path(__file__).resolve().parent.parent.parent


def _refund(actor: Membership, invoice: BillingInvoice, amount: int = 22_000) -> None:
    refund_request(
        actor=actor,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=amount,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_buyers_email_comes_from_the_seller_and_names_the_attached_return_invoice(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    login: Callable[[User], Client],
    settings: Any,
    language: str,
) -> None:
    settings.DEFAULT_FROM_EMAIL = "invoicedesk <no-reply@invoicedesk.example>"
    invoice = make_paid_invoice(number="INV-2026-0001")
    invoice.buyer.language = language
    invoice.buyer.save()
    Organization.objects.filter(pk=invoice.organization_id).update(
        name="Demo Seller Inc.", contact_email="billing@seller.example", invoice_registration_number="T7000012050002"
    )
    _refund(operator_membership, invoice)
    (message,) = mail.outbox
    document = RefundDocument.objects.get()
    assert parseaddr(message.from_email) == ("Demo Seller Inc.", "no-reply@invoicedesk.example")
    assert message.reply_to == ["billing@seller.example"]
    assert document.number in message.body and "Inc.." not in message.body
    assert ("適格返還請求書" in message.body) and f"{document.number}.pdf" in message.body
    assert [name for name, _content, _type in message.attachments] == [document.filename]

    notification = Notification.objects.get(kind=NotificationKind.REFUND_SUCCEEDED)
    admin = login(factories.member(invoice.organization, Role.ADMIN))
    page = admin.get(f"/billing/invoices/{invoice.pk}/emails/{notification.pk}/").content.decode()
    assert 'data-testid="email-attachments"' in page and document.filename in page
    assert f'href="/billing/invoices/{invoice.pk}/documents/{document.pk}.pdf"' in page
    assert "Demo Seller Inc." in page and "no-reply@invoicedesk.example" in page


@pytest.mark.django_db(transaction=True)  # the worker runs the jobs committed with the work
def test_the_approvers_email_names_the_request_and_links_to_it_absolutely(
    org: Organization, settings: Any, login: Callable[[User], Client]
) -> None:
    settings.SITE_URL = "https://desk.example.com"
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    requester = factories.member(org, Role.OPERATOR, email="alice@example.test")
    approver = factories.member(org, Role.APPROVER, email="bob@example.test", language="en")
    invoice = paid_invoice_without_stripe(org, number="INV-2026-0042")
    _refund(Membership.objects.get(user=requester), invoice, 30_000)
    (message,) = [m for m in mail.outbox if m.to == ["bob@example.test"]]
    assert "INV-2026-0042" in message.body and "¥30,000" in message.body and "alice@example.test" in message.body
    [url] = [word for word in message.body.split() if word.startswith("https://")]
    assert url.startswith("https://desk.example.com/approvals/")
    # Followed, the path opens the request once signed in (and asks to sign in first).
    path = url.removeprefix("https://desk.example.com")
    assert Client().get(path)["Location"].startswith("/accounts/login/")
    assert "INV-2026-0042" in login(approver).get(path).content.decode()


@pytest.mark.django_db
def test_an_email_queued_with_a_bare_path_is_sent_with_an_absolute_link(org: Organization, settings: Any) -> None:
    settings.SITE_URL = "https://desk.example.com"
    notification = Notification(  # as an older release queued it (rendered only, so not saved)
        organization=org,
        kind=NotificationKind.ALERT,
        to_email="admin@example.test",
        language="en",
        context={
            "kind": "refund_made_outside",
            "organization_name": org.name,
            "invoice_number": "INV-1",
            "amount": 1000,
            "currency": "JPY",
            "subject": "re_1",
            "detail": "",
            "alerts_url": "/alerts/",
        },
    )
    body = notification_email(notification).body
    assert "https://desk.example.com/alerts/" in str(body)


def test_production_refuses_to_start_without_a_site_url() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PUBLIC_BASE_URL"}}
    env.update(
        INVOICEDESK_ENV="production",
        ALLOWED_HOSTS="invoicedesk.example.com",
        SECRET_KEY=secrets.token_urlsafe(50),
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_PUBLISHABLE_KEY="pk_test_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        SMTP_HOST="smtp.example.com",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "SITE_URL must be set in production" in result.stderr
