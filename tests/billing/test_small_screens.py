"""The lists as cards on a phone are the same rows, labelled: each cell names its column, the number links to the
invoice, and the folded filters say how many are in use."""

import re

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db


def test_rows_are_labelled_for_cards_and_the_number_is_a_link(org: Organization, operator_client: Client) -> None:
    invoice = factories.invoice(org, number="INV-2026-0001")
    html = operator_client.get("/billing/", {"q": "0001"}).content.decode()
    assert 'class="data-table card-table"' in html and 'id="results"' in html
    assert f'data-card="title"><a href="/billing/invoices/{invoice.pk}/">' in html
    for label in ("Bill to", "Billing Amount", "Online Payment Link Status"):
        assert f'data-label="{label}"' in html, label


def test_the_filters_button_counts_the_filters_in_use(org: Organization, operator_client: Client) -> None:
    factories.invoice(org, number="INV-2026-0001")
    plain = operator_client.get("/billing/", {"q": "0001"}).content.decode()
    assert 'data-testid="filters-toggle"' in plain and 'data-testid="active-filters"' not in plain
    html = operator_client.get("/billing/", {"q": "0001", "number": "INV", "status": ["PAID", "UNPAID"]})
    count = re.search(r'data-testid="active-filters">(\d+)<', html.content.decode())
    assert count is not None and count[1] == "2"  # the number and the statuses; the search box is not a filter
