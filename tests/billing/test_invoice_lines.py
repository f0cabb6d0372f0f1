"""Invoice lines where money is split: on the detail page and beside the split in the refund modal (※ on the
reduced rate); a wrong split keeps the preview's figures; an invoice without lines names what was billed."""

from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization
from invoicedesk.billing.models import BillingInvoice, InvoiceLine, TaxRate
from invoicedesk.documents.models import RefundDocument
from tests.api.conftest import paid_invoice_without_stripe
from tests.conftest import REGISTRATION
from tests.documents.test_return_invoice import pdf_text
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db


def _mixed(org: Organization) -> BillingInvoice:
    invoice = paid_invoice_without_stripe(org, amount=109_000, number="INV-2026-0301")
    InvoiceLine.objects.create(
        invoice=invoice, position=1, description="Office coffee machine", quantity=1, unit_price=50_000,
        net_amount=50_000, tax_rate=TaxRate.STANDARD,
    )  # fmt: skip
    InvoiceLine.objects.create(
        invoice=invoice, position=2, description="Coffee beans (1 kg)", quantity=20, unit_price=2_500,
        net_amount=50_000, tax_rate=TaxRate.REDUCED,
    )  # fmt: skip
    return invoice


def _line_cells(html: str, description: str) -> str:
    start = html.index(description)
    return html[start : html.index("</tr>", start)]


def test_the_detail_page_shows_the_lines_with_the_reduced_rate_marked(
    org: Organization, operator_client: Client
) -> None:
    invoice = _mixed(org)
    html = operator_client.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="invoice-lines"' in html
    beans = _line_cells(html, "Coffee beans (1 kg)")
    assert "※" in beans and ">20<" in beans and "¥2,500" in beans and "8%" in beans and "¥50,000" in beans
    machine = _line_cells(html, "Office coffee machine")
    assert "※" not in machine and "10%" in machine
    operator_client.post("/accounts/language/", {"language": "ja", "next": "/"})
    japanese = operator_client.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert "請求明細" in japanese and "単価（税抜）" in japanese and "￥2,500" in japanese


def test_the_modal_shows_the_lines_beside_the_split_only_for_mixed_rates(
    org: Organization, operator_client: Client
) -> None:
    mixed = _mixed(org)
    modal = operator_client.get(f"/billing/invoices/{mixed.pk}/refund/").content.decode()
    assert 'data-testid="invoice-lines"' in modal and 'data-testid="split-fields"' in modal
    single = paid_invoice_without_stripe(org, number="INV-ONE")
    InvoiceLine.objects.create(invoice=single, description="IT consulting", net_amount=100_000)
    assert (
        'data-testid="invoice-lines"'
        not in operator_client.get(f"/billing/invoices/{single.pk}/refund/").content.decode()
    )


def test_a_wrong_split_keeps_the_preview(org: Organization, operator_client: Client) -> None:
    invoice = _mixed(org)
    fields = {"classification": "PARTIAL", "amount": "10900", **refund_form_fields(operator_client, invoice.pk)}
    url = f"/billing/invoices/{invoice.pk}/refund/"
    preview = operator_client.post(url + "preview/", {**fields, "split_10": "1000", "split_8": "9800"}).content.decode()
    assert 'data-testid="refund-preview"' in preview and "¥10,900" in preview and "¥98,100" in preview
    assert 'data-testid="refund-preview-split-error"' in preview and "must add up" in preview
    assert 'data-testid="refund-preview-error"' not in preview  # the amount itself is fine
    # After "Next" with that split, the form comes back and its preview loads again.
    again = operator_client.post(url, {**fields, "split_10": "1000", "split_8": "9800", "step": "confirm"})
    assert 'hx-trigger="load, ' in again.content.decode()


@pytest.mark.django_db(transaction=True)  # the worker runs the jobs committed with the work
def test_a_return_invoice_without_lines_names_what_was_billed(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
) -> None:
    import uuid

    from invoicedesk.refunds.models import RefundClassification
    from invoicedesk.refunds.services import RefundInput, refund_request

    invoice = make_paid_invoice(number="INV-2026-0062")
    BillingInvoice.objects.filter(pk=invoice.pk).update(subject="Cloud hosting, March 2026")
    Organization.objects.filter(pk=invoice.organization_id).update(invoice_registration_number=REGISTRATION)
    refund_request(
        actor=operator_membership,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    text = pdf_text(bytes(RefundDocument.objects.get().pdf))
    assert "Cloud hosting, March 2026" in text and "のお支払い（カード）" not in text
