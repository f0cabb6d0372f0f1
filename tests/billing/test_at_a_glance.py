"""What the detail page tells at a glance: how much was refunded of what was paid, the card add-on's state,
and the email the buyer was sent."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import AddonContract, Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.notifications.models import Notification
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import RefundClassification
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def refund() -> Callable[[BillingInvoice, Membership, int], None]:
    def _refund(invoice: BillingInvoice, membership: Membership, amount: int) -> None:
        refund_request(
            actor=membership,
            request=RefundInput(
                invoice_id=invoice.pk,
                amount=amount,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )

    return _refund


def test_the_payment_card_says_what_was_refunded_of_what_was_paid(
    paid_invoice: BillingInvoice, operator_membership: Membership, operator_client: Client, refund: Any
) -> None:
    refund(paid_invoice, operator_membership, 22_000)
    html = operator_client.get(f"/billing/invoices/{paid_invoice.pk}/").content.decode()
    assert "¥22,000 of ¥110,000" in html and "¥88,000" in html
    assert "Visa •••• 4242" in html  # the card, as Stripe reported it
    intent = paid_invoice.payment_link.stripe_payment_intent_id
    assert f'href="https://dashboard.stripe.com/test/payments/{intent}"' in html  # a test key: the test Dashboard


def test_an_ended_add_on_is_said_and_its_buttons_are_disabled_with_the_reason(
    org: Organization, login: Callable[[User], Client]
) -> None:
    admin = login(factories.member(org, Role.ADMIN))
    open_link = factories.invoice(org)  # UNPAID, issued while the contract was valid
    never_issued = factories.invoice(org, link_status=None)
    paid = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    PaymentLink.objects.filter(invoice=paid).update(addon_contract=AddonContract.objects.get(organization=org))
    assert "Card payments: on" in admin.get("/billing/").content.decode()
    AddonContract.objects.filter(organization=org).update(ends_at=timezone.now() - timedelta(days=1))

    assert "Card payments: ended" in admin.get("/billing/").content.decode()
    page = admin.get(f"/billing/invoices/{never_issued.pk}/").content.decode()
    assert 'data-testid="addon-state"' in page and "new payment links cannot be issued" in page
    assert 'disabled aria-describedby="link-issue-unavailable"' in page
    assert "Needs an active Stripe Credit Card Payment Add-on." in page
    page = admin.get(f"/billing/invoices/{open_link.pk}/").content.decode()
    assert 'data-testid="link-addon-ended"' in page
    page = admin.get(f"/billing/invoices/{paid.pk}/").content.decode()
    assert "Refunds of payments settled before then remain possible" in page
    assert 'data-testid="refund-button"' in page  # and they do


def test_the_buyer_email_opens_from_the_payment_transaction_tab_and_nowhere_else(
    paid_invoice: BillingInvoice,
    operator_membership: Membership,
    operator_client: Client,
    other_org: Organization,
    login: Callable[[User], Client],
    refund: Any,
) -> None:
    Organization.objects.filter(pk=paid_invoice.organization_id).update(contact_email="support@seller.example")
    refund(paid_invoice, operator_membership, 22_000)
    notification = Notification.objects.get(refund__payment_link__invoice=paid_invoice)
    url = f"/billing/invoices/{paid_invoice.pk}/emails/{notification.pk}/"
    tab = operator_client.get(f"/billing/invoices/{paid_invoice.pk}/?tab=transactions").content.decode()
    assert f'href="{url}"' in tab
    page = operator_client.get(url).content.decode()
    assert "billing@sakura-trading.example" in page and f'src="{url}html"' in page
    html = operator_client.get(url + "html")
    assert "¥22,000" in html.content.decode() and "unsafe-inline" in html["Content-Security-Policy"]
    assert html["X-Frame-Options"] == "SAMEORIGIN" and "script" not in html["Content-Security-Policy"]
    text = operator_client.get(url + "?part=text").content.decode()
    assert "¥22,000" in text and "partial refund" in text
    # The wording agrees with the headers: Reply-To is the seller, so replies are said to reach the seller.
    assert "support@seller.example" in page and "replying to this email reaches them" in text
    assert "does not receive replies" not in text
    stranger = login(factories.member(other_org, Role.ADMIN))
    assert stranger.get(url).status_code == 404 and stranger.get(url + "html").status_code == 404


def test_the_list_and_its_csv_show_what_was_refunded_and_filter_by_refund_state(
    org: Organization, operator_client: Client
) -> None:
    import csv
    import io

    from invoicedesk.refunds.models import Refund, RefundStatus
    from tests.http import streamed_text

    partly = factories.invoice(org, number="INV-R-1", amount=110_000, link_status=PaymentLinkStatus.PARTIALLY_REFUNDED)
    untouched = factories.invoice(org, number="INV-R-2", amount=50_000, link_status=PaymentLinkStatus.PAID)
    held = factories.invoice(org, number="INV-R-3", amount=70_000, link_status=PaymentLinkStatus.PAID)
    for status, invoice in [(RefundStatus.PENDING_APPROVAL, held), (RefundStatus.SUCCEEDED, partly)]:
        link = invoice.payment_link
        for _ in range(2):  # two of them: the invoice is still listed once
            Refund.objects.create(
                organization=org,
                payment_link=link,
                amount=1_000,
                currency="JPY",
                classification=RefundClassification.PARTIAL,
                status=status,
                idempotency_key=uuid.uuid4(),
            )
    page = operator_client.get("/billing/").content.decode()
    assert "¥55,000" in page and 'data-testid="refund-state-filter"' in page
    rows = list(csv.reader(io.StringIO(streamed_text(operator_client.get("/billing/invoices.csv")))))
    refunded = {row[0]: row[-1] for row in rows[1:]}
    assert rows[0][-1] == "Refunded" and refunded == {"INV-R-1": "55000", "INV-R-2": "", "INV-R-3": ""}
    waiting = operator_client.get("/billing/?refund_state=awaiting_approval").content.decode()
    assert "INV-R-3" in waiting and "INV-R-1" not in waiting and "INV-R-2" not in waiting
    assert "1 invoice" in waiting  # two held refunds, one row
    assert "INV-R-" not in operator_client.get("/billing/?refund_state=failed").content.decode()
    both = operator_client.get("/billing/?refund_state=awaiting_approval&refund_state=in_progress")
    assert "INV-R-3" in both.content.decode() and untouched.number not in both.content.decode()


def test_the_refund_states_the_list_filters_by_are_refund_statuses() -> None:
    from invoicedesk.billing.selectors import REFUND_STATES
    from invoicedesk.refunds.models import RefundStatus

    assert {status for statuses in REFUND_STATES.values() for status in statuses} <= set(RefundStatus.values)


def test_the_top_bar_counts_open_alerts_and_held_refunds_for_the_roles_that_see_them(org: Organization) -> None:
    from invoicedesk.alerts.models import Alert, AlertKind
    from invoicedesk.refunds.models import Refund, RefundStatus

    looker = factories.member(org, Role.OPERATOR, email="looker@example.test")
    for subject, acknowledged in [("a", False), ("b", False), ("c", True)]:
        Alert.objects.create(
            organization=org,
            kind=AlertKind.PAYMENT_DIFFERS,
            subject=subject,
            acknowledged_at=timezone.now() if acknowledged else None,
            acknowledged_by=looker if acknowledged else None,
        )
    other = factories.organization("Other K.K.")
    Alert.objects.create(organization=other, kind=AlertKind.PAYMENT_DIFFERS, subject="elsewhere")
    paid = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    for status in [RefundStatus.PENDING_APPROVAL, RefundStatus.PENDING_APPROVAL, RefundStatus.SUCCEEDED]:
        Refund.objects.create(
            organization=org, payment_link=paid.payment_link, amount=1_000, currency="JPY", status=status,
            classification=RefundClassification.PARTIAL, idempotency_key=uuid.uuid4(),
        )  # fmt: skip

    def top_bar(role: Role) -> dict[str, Any]:
        client = Client()
        client.force_login(factories.member(org, role))
        context = client.get("/billing/").context
        return {key: context.get(key) for key in ("open_alert_count", "pending_approval_count")}

    assert top_bar(Role.ADMIN) == {"open_alert_count": 2, "pending_approval_count": 2}
    assert top_bar(Role.OPERATOR) == {"open_alert_count": 2, "pending_approval_count": None}
    assert top_bar(Role.APPROVER) == {"open_alert_count": None, "pending_approval_count": 2}
    assert top_bar(Role.VIEWER) == {"open_alert_count": None, "pending_approval_count": None}


def test_the_top_bar_says_when_card_payments_start_or_ended(org: Organization) -> None:
    from invoicedesk.accounts.selectors import AddonState, addon_state

    now = timezone.now()
    contract = AddonContract.objects.get(organization=org)
    assert addon_state(organization=org) == AddonState(
        active=True, since=contract.starts_at, ended_at=None, upcoming=None
    )
    contract.ends_at = now - timedelta(days=2)
    contract.save()
    later = AddonContract.objects.create(organization=org, starts_at=now + timedelta(days=3))
    assert addon_state(organization=org) == AddonState(
        active=False, since=None, ended_at=contract.ends_at, upcoming=later.starts_at
    )
    assert addon_state(organization=org, moment=now + timedelta(days=4)).since == later.starts_at
