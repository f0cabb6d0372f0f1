"""Issuing a qualified return invoice (適格返還請求書) for a succeeded refund. Runs in the worker, never in a
web request; idempotent (one per refund), numbered per organization under its row lock, never changed after.
Which rate a refund returns is refunds.tax_split's answer, the same the refund modal showed.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from invoicedesk.accounts.models import Organization
from invoicedesk.audit.chain import chain_insert
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.refunds.models import Refund, RefundStatus
from invoicedesk.refunds.tax_split import RatePart, split_of_refund

from .chain import DOCUMENT_CHAIN
from .models import DocumentKind, RefundDocument

# A refund below this (tax included, JPY) needs no return invoice (消費税法 57条の4 ③, the small-amount exemption).
EXEMPT_BELOW = 10_000


def return_invoice_needed(refund: Refund) -> bool:
    organization = refund.organization
    if refund.status != RefundStatus.SUCCEEDED or refund.currency != "JPY":
        return False
    if not organization.invoice_registration_number:
        return False  # not a qualified invoice issuer: there is nothing to issue
    return organization.return_invoices_always or refund.amount >= EXEMPT_BELOW


def _keep_until(issued: date) -> date:
    years = settings.DOCUMENT_RETENTION_YEARS
    try:
        return issued.replace(year=issued.year + years)
    except ValueError:  # 29 February
        return issued.replace(year=issued.year + years, day=28)


def _render_pdf(
    refund: Refund, number: str, parts: list[RatePart], issued_at: datetime, corrects: RefundDocument | None = None
) -> bytes:
    invoice = refund.payment_link.invoice
    organization = refund.organization
    language = invoice.buyer.language or "ja"
    zone = ZoneInfo(organization.time_zone)
    with translation.override(language), timezone.override(zone):
        html = render_to_string(
            "documents/return_invoice.html",
            {
                "number": number,
                "language": language,
                "seller_name": organization.invoice_issuer_name or organization.name,
                "seller_address": organization.invoice_issuer_address,
                "registration_number": organization.invoice_registration_number,
                "buyer": invoice.buyer,
                "invoice": invoice,
                "lines": list(invoice.lines.all()),
                "refund": refund,
                "refund_date": timezone.localtime(refund.succeeded_at or issued_at, zone).date(),
                "issued_on": timezone.localtime(issued_at, zone).date(),
                "parts": parts,
                "total": sum(part.amount for part in parts),
                "total_tax": sum(part.tax for part in parts),
                "has_reduced": any(part.reduced for part in parts),
                "corrects": corrects,
            },
        )
    return bytes(HTML(string=html).write_pdf())


def _audit(document: RefundDocument) -> None:
    audit_record(
        action=AuditAction.DOCUMENT_CORRECT if document.corrects_id else AuditAction.DOCUMENT_ISSUE,
        target=document,
        organization_id=document.organization_id,
        after={
            "number": document.number,
            "refund": document.refund_id,
            "corrects": document.corrects.number if document.corrects else None,
            "amounts_by_rate": document.amounts_by_rate,
            "sha256": document.sha256,
        },
    )


def _next_number(organization_id: int, issued_at: datetime) -> str:
    """Call under the organization's row lock."""
    count = RefundDocument.objects.filter(organization_id=organization_id).count()
    return f"RI-{issued_at:%Y}-{count + 1:06d}"


def document_issue_return_invoice(*, refund_id: int) -> RefundDocument | None:
    """The refund's qualified return invoice, issued now if it is owed and not issued yet."""
    refund = Refund.objects.select_related("organization", "payment_link__invoice__buyer").get(pk=refund_id)
    if not return_invoice_needed(refund):
        return None
    existing = RefundDocument.objects.filter(refund=refund, kind=DocumentKind.RETURN_INVOICE).first()
    if existing is not None:
        return existing
    parts = split_of_refund(refund)
    issued_at = timezone.now()
    with transaction.atomic():
        # The organization's row serialises numbering; re-check after the lock (another worker may have issued it).
        Organization.objects.select_for_update(no_key=True).get(pk=refund.organization_id)
        existing = RefundDocument.objects.filter(refund=refund, kind=DocumentKind.RETURN_INVOICE).first()
        if existing is not None:
            return existing
        number = _next_number(refund.organization_id, issued_at)
        pdf = _render_pdf(refund, number, parts, issued_at)
        document = RefundDocument(
            organization_id=refund.organization_id,
            refund=refund,
            kind=DocumentKind.RETURN_INVOICE,
            number=number,
            language=refund.payment_link.invoice.buyer.language or "ja",
            amounts_by_rate=[[part.rate, part.amount, part.tax] for part in parts],
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            issued_at=issued_at,
            keep_until=_keep_until(timezone.localtime(issued_at).date()),
        )
        chain_insert(DOCUMENT_CHAIN, document)
        _audit(document)
        return document


def document_issue_correction(*, refund_id: int) -> RefundDocument | None:
    """A refund that failed after it had succeeded: a new document that names and cancels its return invoice.

    The original is never changed; the correction states the amounts it cancels. Idempotent.
    """
    refund = Refund.objects.select_related("organization", "payment_link__invoice__buyer").get(pk=refund_id)
    original = RefundDocument.objects.filter(refund=refund, kind=DocumentKind.RETURN_INVOICE).first()
    if original is None or refund.status == RefundStatus.SUCCEEDED:
        return None
    existing = RefundDocument.objects.filter(refund=refund, kind=DocumentKind.CORRECTION).first()
    if existing is not None:
        return existing
    parts = [RatePart(rate=rate, amount=amount, tax=tax) for rate, amount, tax in original.amounts_by_rate]
    issued_at = timezone.now()
    with transaction.atomic():
        Organization.objects.select_for_update(no_key=True).get(pk=refund.organization_id)
        existing = RefundDocument.objects.filter(refund=refund, kind=DocumentKind.CORRECTION).first()
        if existing is not None:
            return existing
        number = _next_number(refund.organization_id, issued_at)
        pdf = _render_pdf(refund, number, parts, issued_at, corrects=original)
        document = RefundDocument(
            organization_id=refund.organization_id,
            refund=refund,
            kind=DocumentKind.CORRECTION,
            number=number,
            corrects=original,
            language=original.language,
            amounts_by_rate=original.amounts_by_rate,
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            issued_at=issued_at,
            keep_until=_keep_until(timezone.localtime(issued_at).date()),
        )
        chain_insert(DOCUMENT_CHAIN, document)
        _audit(document)
        return document
