"""Payment links refuse amounts Stripe cannot charge; minor units follow Stripe's table, not babel's."""

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.core.currencies import minor_unit_digits
from invoicedesk.core.errors import ErrorCode, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.payments.models import PaymentLink
from invoicedesk.payments.services import payment_link_issue
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [(49, False), (50, True), (99_999_999, True), (100_000_000, False)],
)
def test_jpy_links_stay_within_stripes_limits(
    org: Organization, operator_membership: Membership, amount: int, accepted: bool
) -> None:
    invoice = factories.invoice(org, amount=amount, link_status=None)
    if accepted:
        assert payment_link_issue(actor=operator_membership, invoice_id=invoice.pk).invoice_id == invoice.pk
        return
    with pytest.raises(ServiceError) as refused:
        payment_link_issue(actor=operator_membership, invoice_id=invoice.pk)
    assert refused.value.code is ErrorCode.AMOUNT_NOT_CHARGEABLE
    assert "Stripe cannot charge" in refused.value.message and Money(amount, "JPY").format() in refused.value.message
    assert not PaymentLink.objects.filter(invoice=invoice).exists()


def test_a_three_decimal_amount_must_end_in_zero(db: None) -> None:
    kuwait = factories.organization("Kuwait Trading", currency="KWD")
    operator = Membership.objects.select_related("organization", "user").get(user=factories.member(kuwait))
    odd = factories.invoice(kuwait, amount=5_125, link_status=None)
    with pytest.raises(ServiceError, match="last decimal is 0"):
        payment_link_issue(actor=operator, invoice_id=odd.pk)
    even = factories.invoice(kuwait, amount=5_120, link_status=None)
    assert payment_link_issue(actor=operator, invoice_id=even.pk)


def test_an_old_link_for_an_amount_stripe_refuses_says_so_to_the_buyer(org: Organization) -> None:
    link = factories.invoice(org, amount=49).payment_link
    response = Client().get(f"/pay/{link.token}/?lang=en")  # a Japanese buyer, read in English
    assert response.status_code == 410 and "cannot be paid by card" in response.content.decode()


@pytest.mark.parametrize(
    ("currency", "digits"),
    [("JPY", 0), ("KRW", 0), ("UGX", 0), ("ISK", 2), ("HUF", 2), ("TWD", 2), ("USD", 2), ("KWD", 3), ("BHD", 3)],
)
def test_minor_units_are_stripes(currency: str, digits: int) -> None:
    assert minor_unit_digits(currency) == digits


def test_isk_amounts_are_counted_as_stripe_counts_them() -> None:
    # ISO 4217 and babel say ISK has no decimals; Stripe's API still takes it with two.
    assert Money.parse("500", "ISK").amount == 50_000
    assert Money(50_000, "ISK").plain() == "500.00"
