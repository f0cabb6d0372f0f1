"""Refunds run in the worker, never in the operator's request: with Stripe answering after 5 s the page
returns at once, shows Processing, and updates itself to Succeeded when the real worker has Stripe's answer."""

import re
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import Client

from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundStatus
from invoicedesk.stripe_integration import gateway
from tests.http import refund_form_fields
from tests.stripe_support import FaultyHTTPClient, stripe_http_client

STRIPE_DELAY_SECONDS = 5
HTMX = {"HX-Request": "true"}


class SlowRefundsClient(FaultyHTTPClient):
    """Stripe (localstripe) answering refund requests only after a delay; everything else at once."""

    def __init__(self) -> None:
        super().__init__(fail=lambda method, url: None)
        self.refund_posts = 0

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        if method == "post" and url.endswith("/v1/refunds"):
            self.refund_posts += 1
            time.sleep(STRIPE_DELAY_SECONDS)
        return super().request(method, url, headers, post_data, **kwargs)


def _refunds_on_stripe(charge_id: str) -> int:
    return gateway.retrieve_charge_amount_refunded(charge_id=charge_id)


@pytest.mark.django_db(transaction=True)
def test_slow_stripe_holds_no_web_request_and_the_page_follows_the_worker(
    operator_client: Client, paid_invoice: BillingInvoice, stripe_server: LocalStripe, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
    detail = f"/billing/invoices/{paid_invoice.pk}/"
    slow = SlowRefundsClient()
    with stripe_http_client(slow):
        started = time.monotonic()
        response = operator_client.post(
            f"{detail}refund/",
            {
                "classification": "PARTIAL",
                "amount": "22000",
                **refund_form_fields(operator_client, paid_invoice.pk),
                "step": "execute",
            },
            headers=HTMX,
        )
        answered_in = time.monotonic() - started
        html = response.content.decode()
        # The request only recorded the refund: no Stripe call, no wait.
        assert answered_in < 2, answered_in
        assert slow.refund_posts == 0
        assert 'data-testid="refund-processing"' in html and "Processing" in html
        refund = Refund.objects.get()
        assert refund.status == RefundStatus.PROCESSING and refund.stripe_unconfirmed_since is None
        progress = re.search(r'hx-get="([^"]+/progress/)\?wait=1" hx-trigger="load, retry"', html)
        assert progress, "the modal long-polls for progress"

        # The detail page says Processing and polls too; the amount is already reserved.
        page = operator_client.get(detail).content.decode()
        assert 'data-testid="refund-in-flight"' in page and "Processing" in page
        assert 'data-testid="refundable-amount">¥88,000' in page
        banner = re.search(r'hx-get="([^"]+in-flight/\?wait=1&amp;showing=[^"]+)"', page)
        assert banner, "the banner polls while a refund is in flight"

        worker = threading.Thread(target=_run_worker)
        worker.start()
        time.sleep(1)
        # Stripe has not answered yet: both still say Processing.
        still = operator_client.get(progress[1], headers=HTMX)
        assert still.status_code == 200 and 'data-testid="refund-processing"' in still.content.decode()
        worker.join(timeout=STRIPE_DELAY_SECONDS + 30)
        assert not worker.is_alive()

    assert slow.refund_posts == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_refund_id.startswith("re_")
    # The modal's next poll leaves for the history; the banner's next poll reloads the page.
    done = operator_client.get(progress[1], headers=HTMX)
    assert done.status_code == 204 and done["HX-Redirect"].endswith(f"{detail}?tab=transactions")
    reload = operator_client.get(banner[1].replace("&amp;", "&"), headers=HTMX)
    assert reload.status_code == 204 and reload["HX-Refresh"] == "true"
    page = operator_client.get(done["HX-Redirect"]).content.decode()
    assert "Refunded ¥22,000" in page and "PARTIALLY REFUNDED" in page
    assert 'data-testid="refund-in-flight"' not in page
    paid_invoice.payment_link.refresh_from_db()
    assert paid_invoice.payment_link.status == PaymentLinkStatus.PARTIALLY_REFUNDED
    # Exactly one refund reached Stripe.
    assert _refunds_on_stripe(paid_invoice.payment_link.stripe_charge_id) == 22_000


def _run_worker() -> None:
    """The real worker (procrastinate's, through `run_worker --batch`) until the queue is empty; in this process,
    so that it talks to the slow Stripe client above."""
    try:
        call_command("run_worker", "--batch", "--no-jobs")
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_refund_page_redirects_and_a_reload_shows_progress(
    operator_client: Client, paid_invoice: BillingInvoice, stripe_server: LocalStripe, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "invoicedesk.core.queue.ProcrastinateBackend"}}
    detail = f"/billing/invoices/{paid_invoice.pk}/"
    response = operator_client.post(
        f"{detail}refund/",
        {
            "classification": "FULL",
            "amount": "110000",
            **refund_form_fields(operator_client, paid_invoice.pk),
            "step": "execute",
        },
    )
    assert response.status_code == 302
    page = operator_client.get(response["Location"]).content.decode()
    assert "is being processed" in page and 'data-testid="refund-in-flight"' in page
    _run_worker()
    page = operator_client.get(response["Location"]).content.decode()
    assert 'data-testid="refund-in-flight"' not in page and "REFUNDED" in page
