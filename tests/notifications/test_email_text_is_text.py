"""Stored text with markup in it is text wherever it is shown: the email's Plain text view escapes it, and subjects
are plain text (an ampersand is an ampersand, not `&amp;`)."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.billing.models import BillingInvoice, Buyer
from invoicedesk.notifications.models import Notification
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request

pytestmark = pytest.mark.django_db

MARKUP = '<img src=x onerror="alert(1)">Smith & Sons'


@pytest.mark.django_db(transaction=True)  # the worker runs the jobs committed with the work
def test_a_company_name_with_markup_is_text_on_every_view_of_the_email(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    operator_client: Client,
) -> None:
    Buyer.objects.filter(pk=paid_invoice.buyer_id).update(company_name=MARKUP)
    Organization.objects.filter(pk=paid_invoice.organization_id).update(name="Smith & Sons K.K.")
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=paid_invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    notification = Notification.objects.get(refund__payment_link__invoice=paid_invoice)
    sent = mail.outbox[-1]
    assert "&amp;" not in sent.subject and "Smith & Sons K.K." in sent.subject  # the subject is plain text
    assert MARKUP in sent.body  # the plain-text body is the text as it is

    url = f"/billing/invoices/{paid_invoice.pk}/emails/{notification.pk}/"
    for page in (operator_client.get(url + "?part=text"), operator_client.get(url)):
        html = page.content.decode()
        assert page.status_code == 200
        assert "<img src=x" not in html  # was printed raw on the Plain text view
        assert "Smith &amp; Sons K.K." in html  # the subject header, escaped once
        assert "&amp;amp;" not in html
    text_view = operator_client.get(url + "?part=text").content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Smith &amp; Sons" in text_view
    email_html = operator_client.get(url + "html").content.decode()
    assert "<img src=x" not in email_html and "&lt;img src=x" in email_html
