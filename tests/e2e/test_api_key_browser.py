"""An API key in the browser: made on the API keys page (linked from the top bar), shown once, used over real
HTTP against the live server to refund 22,000 of INV-2026-0001, then revoked on the same page — and refused."""

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import DEMO_PASSWORD
from invoicedesk.refunds.models import Refund, RefundStatus


@pytest.mark.usefixtures("demo")
def test_make_use_and_revoke_an_api_key(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill("operator@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("order system")
    page.get_by_role("button", name="Create API key").click()
    secret = page.get_by_test_id("api-key-secret").inner_text().strip()
    assert re.fullmatch(r"idk_[0-9a-f]{8}_[\w-]{40,}", secret)
    expect(page.get_by_test_id("api-keys-table")).to_contain_text("order system")

    invoice = BillingInvoice.objects.get(number="INV-2026-0001")
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "order-1001-cancel"}
    body = {"invoice_id": invoice.pk, "amount": 22_000, "currency": "JPY", "classification": "PARTIAL"}
    created = page.request.post(f"{live_server.url}/api/v1/refunds", headers=headers, data=body)
    assert created.status == 201, created.text()
    assert Refund.objects.get(pk=created.json()["id"]).status == RefundStatus.SUCCEEDED

    page.reload()
    expect(page.get_by_test_id("new-api-key")).to_have_count(0)  # shown once
    expect(page.get_by_test_id("api-keys-table")).to_contain_text("127.0.0.1")  # its last use
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("api-keys-table")).to_contain_text("Revoked")
    refused = page.request.get(f"{live_server.url}/api/v1/invoices", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401 and refused.json()["code"] == "unauthenticated"

    # The docs page, linked from the keys page, renders the schema (its scripts pass the CSP).
    page.get_by_role("link", name="API documentation").click()
    # Swagger UI's bundle is large: give a busy machine time to run it.
    expect(page.get_by_text("/api/v1/refunds/{refund_id}").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("invoicedesk API").first).to_be_visible()
