"""A chargeback reaches the operator in the browser (issue 20): a signed `charge.dispute.created` that Stripe will not
let us refund takes the Refund button away with the reason and the date to respond by; `charge.dispute.closed` (won)
gives it back."""

import time
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.payments.models import PaymentLink
from tests import worker
from tests.stripe_support import StripeLike, dispute_object, event_payload, signature_header, stripe_http_client


def deliver(live_server: LiveServer, settings: Any, event_type: str, obj: dict[str, Any]) -> None:
    payload = event_payload(event_type, obj, event_id=f"evt_{event_type}_{time.time_ns()}")
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{live_server.url}/stripe/webhook/",
        data=payload,
        headers={"Stripe-Signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
    worker.run_worker()  # stored by the live server's intake; a worker takes it


@pytest.mark.usefixtures("demo")
def test_a_chargeback_takes_the_refund_button_away_until_it_is_won(
    page: Page, live_server: LiveServer, settings: Any
) -> None:
    link = (
        PaymentLink.objects.select_related("invoice")
        .filter(status="PAID", addon_contract__isnull=False, paid_currency="JPY")
        .filter(invoice__organization__memberships__user__email="operator@demo.test")
        .order_by("invoice__number")
        .first()
    )
    assert link is not None
    stripe = StripeLike()
    dispute = dispute_object(
        dispute_id="dp_browser",
        payment_intent=link.stripe_payment_intent_id,
        charge=link.stripe_charge_id,
        amount=link.amount_paid,
        due_by=int(time.time()) + 10 * 86400,
    )
    with stripe_http_client(stripe):
        stripe.disputes[link.stripe_payment_intent_id] = [dispute]
        deliver(live_server, settings, "charge.dispute.created", dispute)

        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email address").fill("operator@demo.test")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/billing/invoices/{link.invoice_id}/")
        expect(page.get_by_test_id("refund-unavailable")).to_contain_text(
            "Stripe refuses refunds of a disputed payment"
        )
        expect(page.get_by_test_id("dispute")).to_contain_text("respond in Stripe by")
        expect(page.get_by_test_id("refund-button")).to_have_count(0)
        page.screenshot(path="var/e2e/dispute-open.png", full_page=True)

        stripe.disputes[link.stripe_payment_intent_id] = [{**dispute, "status": "won"}]
        deliver(live_server, settings, "charge.dispute.closed", {**dispute, "status": "won"})
        page.reload()
        expect(page.get_by_test_id("refund-button")).to_be_visible()
        expect(page.get_by_test_id("dispute")).to_contain_text("Won")
