from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.audit.models import AuditEntry
from invoicedesk.billing.models import PaymentMethod
from invoicedesk.core.errors import ErrorCode, Forbidden, NotFound, ServiceError
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, TransactionKind
from invoicedesk.payments.services import payment_link_cancel, payment_link_issue
from tests import factories

pytestmark = pytest.mark.django_db


def membership(user: User) -> Membership:
    return Membership.objects.select_related("organization").get(user=user)


def test_operator_issues_a_link_with_an_unguessable_token_and_expiry(operator: User, org: Organization) -> None:
    inv = factories.invoice(org, link_status=None)
    link = payment_link_issue(actor=membership(operator), invoice_id=inv.pk)
    assert link.status == PaymentLinkStatus.UNPAID
    assert len(link.token) >= 40
    assert timedelta(days=29) < link.expires_at - timezone.now() <= timedelta(days=30)
    entry = link.transactions.get()
    assert entry.kind == TransactionKind.LINK_ISSUED and entry.actor_user == operator
    assert AuditEntry.objects.filter(action="payment_link.issue", object_id=str(link.pk), actor=operator).exists()


def test_reissue_gives_a_new_address_and_the_old_one_stops_working(
    operator: User, org: Organization, stripe_server: object
) -> None:
    inv = factories.invoice(org, link_status=None)
    first = payment_link_issue(actor=membership(operator), invoice_id=inv.pk).token
    second = payment_link_issue(actor=membership(operator), invoice_id=inv.pk).token
    assert first != second
    assert PaymentLink.objects.filter(invoice=inv).count() == 1
    assert Client().get(f"/pay/{first}/").status_code == 404
    assert Client().get(f"/pay/{second}/").status_code == 200


def test_viewer_and_approver_may_not_issue(org: Organization) -> None:
    inv = factories.invoice(org, link_status=None)
    for role in (Role.VIEWER, Role.APPROVER):
        with pytest.raises(Forbidden):
            payment_link_issue(actor=membership(factories.member(org, role)), invoice_id=inv.pk)
    assert not PaymentLink.objects.filter(invoice=inv).exists()


def test_no_active_addon_contract_is_refused_with_a_clear_message(login: Callable[[User], Client]) -> None:
    org = factories.organization(addon=False)
    user = factories.member(org, Role.OPERATOR)
    inv = factories.invoice(org, link_status=None)
    with pytest.raises(ServiceError, match="no active Stripe Credit Card Payment Add-on contract"):
        payment_link_issue(actor=membership(user), invoice_id=inv.pk)
    response = login(user).post(f"/billing/invoices/{inv.pk}/payment-link/issue/", follow=True)
    assert "no active Stripe Credit Card Payment Add-on contract" in response.content.decode()
    assert not PaymentLink.objects.filter(invoice=inv).exists()


def test_a_canceled_contract_refuses_new_links(operator: User, org: Organization) -> None:
    contract = org.addon_contracts.get()
    contract.ends_at = timezone.now() - timedelta(minutes=1)
    contract.save()
    with pytest.raises(ServiceError) as caught:
        payment_link_issue(actor=membership(operator), invoice_id=factories.invoice(org, link_status=None).pk)
    assert caught.value.code is ErrorCode.ADDON_NOT_VALID


@pytest.mark.parametrize("method", [PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD_AT_ORDER])
def test_out_of_scope_payment_methods_get_no_link(operator: User, org: Organization, method: str) -> None:
    inv = factories.invoice(org, payment_method=method)
    with pytest.raises(ServiceError) as caught:
        payment_link_issue(actor=membership(operator), invoice_id=inv.pk)
    assert caught.value.code is ErrorCode.OUT_OF_SCOPE_PAYMENT_METHOD


def test_paid_links_can_be_neither_reissued_nor_canceled(operator: User, org: Organization) -> None:
    inv = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    for service in (payment_link_issue, payment_link_cancel):
        with pytest.raises(ServiceError) as caught:
            service(actor=membership(operator), invoice_id=inv.pk)
        assert caught.value.code is ErrorCode.ALREADY_PAID


def test_cancel_before_payment(operator: User, org: Organization) -> None:
    inv = factories.invoice(org)
    link = payment_link_cancel(actor=membership(operator), invoice_id=inv.pk)
    assert link.status == PaymentLinkStatus.CANCELED
    assert link.transactions.filter(kind=TransactionKind.LINK_CANCELED).count() == 1
    html = Client().get(f"/pay/{link.token}/?lang=en").content.decode()  # the buyer is Japanese; read it in English
    assert "canceled by the seller" in html


def test_another_organizations_invoice_is_not_found(
    operator: User, operator_client: Client, other_org: Organization
) -> None:
    inv = factories.invoice(other_org, link_status=None)
    with pytest.raises(NotFound):
        payment_link_issue(actor=membership(operator), invoice_id=inv.pk)
    assert operator_client.post(f"/billing/invoices/{inv.pk}/payment-link/issue/").status_code == 404


def test_viewer_gets_403_from_the_view(org: Organization, login: Callable[[User], Client]) -> None:
    inv = factories.invoice(org, link_status=None)
    response = login(factories.member(org, Role.VIEWER)).post(f"/billing/invoices/{inv.pk}/payment-link/issue/")
    assert response.status_code == 403


def test_detail_page_offers_issue_to_operators_only(org: Organization, login: Callable[[User], Client]) -> None:
    inv = factories.invoice(org, link_status=None)
    operator_html = login(factories.member(org, Role.OPERATOR)).get(f"/billing/invoices/{inv.pk}/").content.decode()
    viewer_html = login(factories.member(org, Role.VIEWER)).get(f"/billing/invoices/{inv.pk}/").content.decode()
    assert "Issue Online Payment Link" in operator_html
    assert "Issue Online Payment Link" not in viewer_html


def test_expire_command_marks_overdue_unpaid_links(org: Organization) -> None:
    from io import StringIO

    from django.core.management import call_command

    overdue = factories.invoice(org).payment_link
    current = factories.invoice(org).payment_link
    paid = factories.invoice(org, link_status=PaymentLinkStatus.PAID).payment_link
    PaymentLink.objects.filter(pk__in=[overdue.pk, paid.pk]).update(expires_at=timezone.now() - timedelta(hours=1))
    out = StringIO()
    call_command("expire_payment_links", stdout=out)
    assert "1 payment link(s) expired." in out.getvalue()
    statuses = dict(PaymentLink.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: "EXPIRED", current.pk: "UNPAID", paid.pk: "PAID"}
