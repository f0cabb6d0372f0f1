"""In the demo, a refund of 22,000 on INV-2026-0001 brings a qualified return invoice the operator downloads."""

import hashlib
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import DEMO_PASSWORD, DEMO_REGISTRATION_NUMBER
from invoicedesk.documents.models import RefundDocument


@pytest.mark.usefixtures("demo")
def test_the_operator_downloads_the_return_invoice_after_a_refund(page: Page, live_server: LiveServer) -> None:
    invoice = BillingInvoice.objects.get(number="INV-2026-0001")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill("operator@demo.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/")
    page.get_by_test_id("refund-button").click()
    page.get_by_label("Partial refund").check()
    page.get_by_label("Refund Amount (JPY)").fill("22000")
    page.get_by_role("button", name="Next: confirm").click()
    expect(page.get_by_test_id("refund-confirmation")).to_contain_text("INV-2026-0001")
    page.get_by_role("dialog").get_by_role("button", name="Refund", exact=True).click()
    # The page moves to the history once Stripe's answer is in (and, with it, the document).
    expect(page.get_by_test_id("link-status")).to_have_text("PARTIALLY REFUNDED")
    page.goto(f"{live_server.url}/billing/invoices/{invoice.pk}/?tab=transactions")
    link = page.get_by_test_id("refund-document")
    expect(link).to_have_count(1)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    body = download.path().read_bytes()  # Playwright's temporary file
    document = RefundDocument.objects.get(refund__payment_link__invoice=invoice, refund__amount=22_000)
    assert download.suggested_filename == document.filename
    assert body == bytes(document.pdf) and hashlib.sha256(body).hexdigest() == document.sha256
    text = subprocess.run(
        [shutil.which("pdftotext") or "/usr/bin/pdftotext", "-layout", "-", "-"],
        input=body,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for expected in ["適格返還請求書", DEMO_REGISTRATION_NUMBER, "22,000円", "2,000円", "INV-2026-0001"]:
        assert expected in text, expected
