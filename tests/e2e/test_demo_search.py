"""The demo's INV-2026-0001 is found from what an operator has in hand (issue 10: the Search box).

No browser: the page through Django's test client, on the same session-seeded demo as the browser tests.
"""

import pytest
from django.test import Client

from invoicedesk.accounts.models import User
from invoicedesk.payments.models import PaymentLink


@pytest.mark.usefixtures("demo")
def test_inv_2026_0001_is_found_by_number_email_payment_intent_and_amount() -> None:
    client = Client()
    client.force_login(User.objects.get(email="operator@demo.test"))
    link = PaymentLink.objects.get(invoice__number="INV-2026-0001", invoice__organization__name="Demo Seller Inc.")
    assert link.stripe_payment_intent_id.startswith("pi_")
    assert link.card_last4 == "4242"  # paid with the test card: the last four were stored from Stripe's answer
    for q in ("0001", "sakura-trading", link.stripe_payment_intent_id, "110000", "¥110,000"):
        response = client.get("/billing/", {"q": q, "sort": "issue_date"})
        numbers = []
        page = response.context["page"]
        while True:
            numbers += [invoice.number for invoice in page.rows]
            if page.next_cursor is None or "INV-2026-0001" in numbers:
                break
            page = client.get("/billing/", {"q": q, "sort": "issue_date", "after": page.next_cursor.encode()}).context[
                "page"
            ]
        assert "INV-2026-0001" in numbers, q
        assert all(not number.startswith("KITA-") for number in numbers), q
