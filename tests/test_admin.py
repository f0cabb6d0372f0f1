import pytest
from django.contrib import admin
from django.test import Client

from invoicedesk.accounts.models import User


@pytest.mark.django_db
def test_support_staff_can_open_every_admin_list(client: Client) -> None:
    client.force_login(User.objects.create_superuser("support@invoicedesk.example", "x"))
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_support_staff_cannot_change_the_money_of_an_invoice_that_has_a_payment(client: Client) -> None:
    from invoicedesk.billing.models import BillingInvoice
    from invoicedesk.payments.models import PaymentLinkStatus
    from tests import factories

    client.force_login(User.objects.create_superuser("support@invoicedesk.example", "x"))
    org = factories.organization()
    paid = factories.invoice(org, amount=110_000, link_status=PaymentLinkStatus.PAID)
    form = {
        "organization": org.pk,
        "number": paid.number,
        "buyer": paid.buyer_id,
        "issue_date": "2026-04-01",
        "due_date": "2026-05-01",
        "amount": "1000",
        "currency": "USD",
        "payment_method": "online_payment_link",
        "created_at_0": "2026-04-01",
        "created_at_1": "00:00:00",
    }
    client.post(f"/admin/billing/billinginvoice/{paid.pk}/change/", form)
    paid.refresh_from_db()
    assert (paid.amount, paid.currency) == (110_000, "JPY")
    page = client.get(f"/admin/billing/billinginvoice/{paid.pk}/change/").content.decode()
    assert 'name="amount"' not in page and 'name="currency"' not in page
    for path in ("payments/paymentlink", "refunds/refund", "stripe_events/stripeevent"):
        assert client.get(f"/admin/{path}/add/").status_code == 403, path
    unpaid = factories.invoice(org, link_status=None)
    assert 'name="amount"' in client.get(f"/admin/billing/billinginvoice/{unpaid.pk}/change/").content.decode()
    assert BillingInvoice.objects.count() == 2
