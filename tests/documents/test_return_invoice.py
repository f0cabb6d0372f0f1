"""The qualified return invoice (適格返還請求書): issued by the worker when a refund succeeds, attached to the
buyer's email, kept byte for byte with its SHA-256, downloadable from the Payment Transaction tab."""

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from invoicedesk.accounts.models import Organization, Role, User
from invoicedesk.billing.models import BillingInvoice, InvoiceLine, TaxRate
from invoicedesk.documents.models import RefundDocument
from invoicedesk.refunds.models import RefundClassification
from tests import factories
from tests.conftest import REGISTRATION
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db

# Debian's poppler-utils, installed by `make browser` beside chromium.
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def pdf_text(pdf: bytes) -> str:
    return subprocess.run([PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_a_refund_of_22000_gets_its_return_invoice_with_the_email(
    registered: Organization,
    paid_invoice: BillingInvoice,
    refund: Callable[..., None],
    operator_client: Client,
    other_org: Organization,
    login: Callable[[User], Client],
) -> None:
    InvoiceLine.objects.create(invoice=paid_invoice, description="IT consulting", net_amount=100_000)
    mail.outbox.clear()
    refund(paid_invoice, 22_000)
    document = RefundDocument.objects.get()
    assert document.amounts_by_rate == [[10, 22_000, 2_000]]
    assert hashlib.sha256(bytes(document.pdf)).hexdigest() == document.sha256
    text = pdf_text(bytes(document.pdf))
    for expected in [
        "適格返還請求書",
        REGISTRATION,
        "Demo Seller Inc.",
        "22,000円",
        "2,000円",
        "INV-2026-0001",
        "IT consulting",
        document.number,
        paid_invoice.issue_date.isoformat(),
    ]:
        assert expected in text, expected
    [email] = mail.outbox
    assert [(name, kind) for name, _, kind in email.attachments] == [(document.filename, "application/pdf")]
    assert email.attachments[0][1] == bytes(document.pdf)

    url = f"/billing/invoices/{paid_invoice.pk}/documents/{document.pk}.pdf"
    tab = operator_client.get(f"/billing/invoices/{paid_invoice.pk}/?tab=transactions").content.decode()
    assert f'href="{url}"' in tab and document.sha256[:12] in tab  # listed with its hash
    download = operator_client.get(url)
    assert download.content == bytes(document.pdf) and download["X-Content-SHA256"] == document.sha256
    assert login(factories.member(other_org, Role.ADMIN)).get(url).status_code == 404


@pytest.mark.parametrize(
    ("amount", "always", "issued"), [(9_999, False, False), (10_000, False, True), (9_999, True, True)]
)
def test_refunds_under_10000_yen_need_none_unless_the_seller_always_gives_one(
    registered: Organization,
    paid_invoice: BillingInvoice,
    refund: Callable[..., None],
    amount: int,
    always: bool,
    issued: bool,
) -> None:
    Organization.objects.filter(pk=registered.pk).update(return_invoices_always=always)
    refund(paid_invoice, amount)
    assert RefundDocument.objects.exists() is issued


def test_a_mixed_rate_invoice_splits_the_refund_and_marks_the_reduced_rate(
    registered: Organization, make_paid_invoice: Callable[..., BillingInvoice], refund: Callable[..., None]
) -> None:
    invoice = make_paid_invoice(amount=109_000, number="INV-MIX")
    InvoiceLine.objects.create(
        invoice=invoice, description="Coffee machine", net_amount=50_000, tax_rate=TaxRate.STANDARD
    )
    InvoiceLine.objects.create(invoice=invoice, description="Coffee beans", net_amount=50_000, tax_rate=TaxRate.REDUCED)
    refund(invoice, 10_900)
    refund(invoice, 98_100, RefundClassification.FULL)  # the rest: never more than a rate holds
    first, rest = RefundDocument.objects.order_by("id")
    assert first.amounts_by_rate == [[10, 5_500, 500], [8, 5_400, 400]]
    assert rest.amounts_by_rate == [[10, 49_500, 4_500], [8, 48_600, 3_600]]
    text = pdf_text(bytes(first.pdf))
    assert "Coffee beans ※" in text and "軽減税率" in text and first.number != rest.number


def test_a_seller_without_a_registration_number_issues_none(
    paid_invoice: BillingInvoice, refund: Callable[..., None]
) -> None:
    refund(paid_invoice, 22_000)
    assert not RefundDocument.objects.exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE documents_refunddocument SET sha256 = 'forged' WHERE id = %s",
        "DELETE FROM documents_refunddocument WHERE id = %s",
    ],
)
def test_an_issued_document_cannot_be_changed_or_removed_on_postgresql(
    registered: Organization,
    paid_invoice: BillingInvoice,
    refund: Callable[..., None],
    statement: str,
    owner_rights: Callable[[], Any],
) -> None:
    from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

    refund(paid_invoice, 22_000)
    document = RefundDocument.objects.get()
    refused = (InternalError, IntegrityError, ProgrammingError)
    # The application's role may not (tests/audit/test_append_only.py); the owner meets the trigger.
    with pytest.raises(refused, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [document.pk])
    with (
        owner_rights(),
        pytest.raises(refused, match="unaltered"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [document.pk])
    assert RefundDocument.objects.get(pk=document.pk).sha256 == document.sha256


def test_the_modal_shows_the_split_of_a_mixed_rate_invoice_as_the_document_will(
    registered: Organization,
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_client: Client,
    refund: Callable[..., None],
) -> None:
    invoice = make_paid_invoice(amount=109_000, number="INV-MIX2")
    InvoiceLine.objects.create(invoice=invoice, description="Machine", net_amount=50_000, tax_rate=TaxRate.STANDARD)
    InvoiceLine.objects.create(invoice=invoice, description="Beans", net_amount=50_000, tax_rate=TaxRate.REDUCED)
    preview = operator_client.post(
        f"/billing/invoices/{invoice.pk}/refund/preview/",
        {"classification": "PARTIAL", "amount": "10900", **refund_form_fields(operator_client, invoice.pk)},
    ).content.decode()
    assert 'data-testid="tax-split"' in preview
    for shown in ["5,500円", "500円", "8% ※", "5,400円", "400円"]:
        assert shown in preview, shown
    refund(invoice, 10_900)
    assert RefundDocument.objects.get().amounts_by_rate == [[10, 5_500, 500], [8, 5_400, 400]]
    single_invoice = make_paid_invoice(number="INV-ONE")
    single = operator_client.post(
        f"/billing/invoices/{single_invoice.pk}/refund/preview/",
        {"classification": "PARTIAL", "amount": "10000", **refund_form_fields(operator_client, single_invoice.pk)},
    ).content.decode()
    assert 'data-testid="tax-split"' not in single  # one rate: nothing to choose or show


@pytest.mark.django_db(transaction=True)  # the worker runs the jobs committed with the work
def test_the_operator_may_choose_the_split_and_the_document_follows_it(
    registered: Organization,
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_client: Client,
) -> None:
    invoice = make_paid_invoice(amount=109_000, number="INV-MIX3")
    InvoiceLine.objects.create(invoice=invoice, description="Machine", net_amount=50_000, tax_rate=TaxRate.STANDARD)
    InvoiceLine.objects.create(invoice=invoice, description="Beans", net_amount=50_000, tax_rate=TaxRate.REDUCED)
    url = f"/billing/invoices/{invoice.pk}/refund/"
    form = {"classification": "PARTIAL", "amount": "10900", **refund_form_fields(operator_client, invoice.pk)}
    assert 'data-testid="split-fields"' in operator_client.get(url).content.decode()

    wrong_sum = operator_client.post(url, {**form, "split_10": "1000", "split_8": "9800", "step": "confirm"})
    assert "must add up to the Refund Amount of ¥10,900" in wrong_sum.content.decode()
    too_much = operator_client.post(
        url, {**form, "split_10": "0", "split_8": "10900", "amount": "10900", "step": "confirm"}
    )
    assert 'data-testid="split-error"' not in too_much.content.decode()  # 54,000 remain at 8 %: fine
    above = operator_client.post(
        url, {**form, "amount": "60000", "split_10": "0", "split_8": "60000", "step": "confirm"}
    ).content.decode()
    assert "More than remains at a tax rate" in above

    confirm = operator_client.post(
        url, {**form, "split_10": "1100", "split_8": "9800", "step": "confirm"}
    ).content.decode()
    assert 'name="split_8" value="9800"' in confirm and "725円" in confirm  # the confirmation states the chosen split
    operator_client.post(url, {**form, "split_10": "1100", "split_8": "9800", "step": "execute"})
    refund_row = invoice.payment_link.refunds.get()
    assert refund_row.rate_split == {"10": 1100, "8": 9800}
    assert RefundDocument.objects.get().amounts_by_rate == [[10, 1_100, 100], [8, 9_800, 725]]
    # The next refund's default split starts from what this one left at each rate.
    preview = operator_client.post(
        f"{url}preview/",
        {"classification": "FULL", "amount": "98100", **refund_form_fields(operator_client, invoice.pk)},
    ).content.decode()
    assert "53,900円" in preview and "44,200円" in preview
