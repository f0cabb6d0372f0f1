import pytest
from django.contrib.auth import authenticate

from invoicedesk.accounts.models import Membership, Role
from invoicedesk.billing.demo import DEMO_PASSWORD, seed_demo
from invoicedesk.billing.models import BillingInvoice, PaymentMethod
from invoicedesk.payments.models import PaymentLinkStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_has_what_the_demo_needs() -> None:
    first = seed_demo()
    count = BillingInvoice.objects.count()
    second = seed_demo()
    assert first.invoices_created == count >= 300
    assert second.invoices_created == 0 and BillingInvoice.objects.count() == count

    inv = BillingInvoice.objects.get(organization=first.organization, number="INV-2026-0001")
    assert inv.buyer.company_name == "Sakura Trading Co., Ltd."
    assert inv.amount == 110_000 and inv.currency == "JPY"
    assert inv.payment_method == PaymentMethod.ONLINE_PAYMENT_LINK

    demo_invoices = BillingInvoice.objects.filter(organization=first.organization)
    assert set(demo_invoices.values_list("payment_method", flat=True)) == set(PaymentMethod.values)
    statuses = set(demo_invoices.exclude(payment_link=None).values_list("payment_link__status", flat=True))
    assert statuses == set(PaymentLinkStatus.values)
    assert demo_invoices.filter(buyer__company_name__contains="株式会社").exists()

    for email, role in [
        ("admin@demo.test", Role.ADMIN),
        ("operator@demo.test", Role.OPERATOR),
        ("approver@demo.test", Role.APPROVER),
        ("viewer@demo.test", Role.VIEWER),
    ]:
        user = authenticate(username=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert Membership.objects.get(user=user).organization == first.organization
        assert Membership.objects.get(user=user).role == role

    other_contract = first.other_organization.addon_contracts.get()
    assert other_contract.ends_at is not None
    assert BillingInvoice.objects.filter(organization=first.other_organization).exists()
