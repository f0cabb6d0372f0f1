"""Issuing a qualified return invoice (適格返還請求書) for a succeeded refund. Runs in the worker, never in a
web request; idempotent (one per refund and kind), numbered from its organization's counter row when it is inserted
(never under the Organization row's lock), rendered before that outside any transaction, never changed after.
Which rate a refund returns is refunds.tax_split's answer, the same the refund modal showed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML

from invoicedesk.audit.chain import chain_insert
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.refunds.models import Refund, RefundStatus
from invoicedesk.refunds.tax_split import RatePart, split_of_refund

from .chain import DOCUMENT_CHAIN
from .models import DocumentCounter, DocumentKind, RefundDocument

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


class NumberingContention(Exception):
    """Other documents of the organization kept taking the number this one was rendered with."""


# A document rendered with a number another took meanwhile is rendered again; past this, the task retries later.
NUMBERING_TRIES = 5


def _number(sequence: int, issued_at: datetime) -> str:
    return f"RI-{issued_at:%Y}-{sequence:06d}"


def _counter_last(organization_id: int) -> int:
    """The organization's last document number, its counter row made on first use (INSERT … ON CONFLICT: two first
    issuers do not collide). It starts from the documents issued before counters existed, which were numbered
    1, 2, 3, … by counting; no document is inserted without the counter, so that count cannot move meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DocumentCounter._meta.db_table} (organization_id, last)"  # noqa: S608 (our table names)
            f" SELECT %s, count(*) FROM {RefundDocument._meta.db_table} WHERE organization_id = %s"
            " ON CONFLICT (organization_id) DO NOTHING",
            [organization_id, organization_id],
        )
    return DocumentCounter.objects.values_list("last", flat=True).get(pk=organization_id)


def _take_number(organization_id: int, *, after: int) -> int | None:
    """Take the number after `after`, if it is still the next one: `UPDATE … SET last = last + 1 WHERE last = after
    RETURNING last`. It locks the counter row (FOR NO KEY UPDATE) until the caller's transaction ends; a concurrent
    taker waits for that commit, then finds `last` moved and gets None. Numbers are taken only in the transaction
    that inserts the document, so a rolled-back insert gives its number back: none is skipped or used twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DocumentCounter._meta.db_table} SET last = last + 1"  # noqa: S608 (our table name)
            " WHERE organization_id = %s AND last = %s RETURNING last",
            [organization_id, after],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _issue(
    *,
    refund: Refund,
    kind: DocumentKind,
    owed: Callable[[Refund], bool],
    build: Callable[[str, datetime], RefundDocument],
) -> RefundDocument | None:
    """Render outside any transaction and lock, then insert in one short transaction.

    The number is printed in the PDF, so the document is rendered with the number it expects (the counter's next)
    and inserted only if that number is still free when it is taken; if another document of the organization took
    it meanwhile, this one is rendered again with the next. The Organization row is never locked: every insert of
    the organization's refunds, audit entries and emails share-locks it for its foreign key check.
    """
    for _ in range(NUMBERING_TRIES):
        existing = RefundDocument.objects.filter(refund_id=refund.pk, kind=kind).first()
        if existing is not None:
            return existing
        last = _counter_last(refund.organization_id)
        issued_at = timezone.now()
        document = build(_number(last + 1, issued_at), issued_at)  # the slow part (≈0.5 s): no transaction open
        with transaction.atomic(durable=True):
            # The refund's row (not its organization's): a refund reversed meanwhile is seen, and its correction's
            # task, queued by that reversal, runs after this commit and finds this document.
            locked = Refund.objects.select_for_update(no_key=True, of=("self",)).get(pk=refund.pk)
            existing = RefundDocument.objects.filter(refund_id=refund.pk, kind=kind).first()
            if existing is not None:
                return existing
            if not owed(locked):
                return None
            if _take_number(refund.organization_id, after=last) is None:
                continue  # another document took this number: render again with the next
            chain_insert(DOCUMENT_CHAIN, document)
            _audit(document)
            return document
    raise NumberingContention(f"refund {refund.pk}: {NUMBERING_TRIES} numbers taken by other documents meanwhile")


def _document(
    refund: Refund, *, kind: DocumentKind, number: str, issued_at: datetime, pdf: bytes, **fields: Any
) -> RefundDocument:
    return RefundDocument(
        organization_id=refund.organization_id,
        refund=refund,
        kind=kind,
        number=number,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=issued_at,
        keep_until=_keep_until(timezone.localtime(issued_at).date()),
        **fields,
    )


def document_issue_return_invoice(*, refund_id: int) -> RefundDocument | None:
    """The refund's qualified return invoice, issued now if it is owed and not issued yet."""
    refund = Refund.objects.select_related("organization", "payment_link__invoice__buyer").get(pk=refund_id)
    if not return_invoice_needed(refund):
        return None
    parts = split_of_refund(refund)

    def build(number: str, issued_at: datetime) -> RefundDocument:
        return _document(
            refund,
            kind=DocumentKind.RETURN_INVOICE,
            number=number,
            issued_at=issued_at,
            pdf=_render_pdf(refund, number, parts, issued_at),
            language=refund.payment_link.invoice.buyer.language or "ja",
            amounts_by_rate=[[part.rate, part.amount, part.tax] for part in parts],
        )

    def owed(locked: Refund) -> bool:
        return locked.status == RefundStatus.SUCCEEDED

    return _issue(refund=refund, kind=DocumentKind.RETURN_INVOICE, owed=owed, build=build)


def correction_needed(refund: Refund) -> bool:
    """A refund that failed after its return invoice was issued owes a correction."""
    return (
        refund.status != RefundStatus.SUCCEEDED
        and RefundDocument.objects.filter(refund_id=refund.pk, kind=DocumentKind.RETURN_INVOICE).exists()
    )


def document_issue_correction(*, refund_id: int) -> RefundDocument | None:
    """A refund that failed after it had succeeded: a new document that names and cancels its return invoice.

    The original is never changed; the correction states the amounts it cancels. Idempotent.
    """
    refund = Refund.objects.select_related("organization", "payment_link__invoice__buyer").get(pk=refund_id)
    original = RefundDocument.objects.filter(refund=refund, kind=DocumentKind.RETURN_INVOICE).first()
    if original is None or refund.status == RefundStatus.SUCCEEDED:
        return None
    parts = [RatePart(rate=rate, amount=amount, tax=tax) for rate, amount, tax in original.amounts_by_rate]

    def build(number: str, issued_at: datetime) -> RefundDocument:
        return _document(
            refund,
            kind=DocumentKind.CORRECTION,
            number=number,
            issued_at=issued_at,
            pdf=_render_pdf(refund, number, parts, issued_at, corrects=original),
            corrects=original,
            language=original.language,
            amounts_by_rate=original.amounts_by_rate,
        )

    def owed(locked: Refund) -> bool:
        return locked.status != RefundStatus.SUCCEEDED

    return _issue(refund=refund, kind=DocumentKind.CORRECTION, owed=owed, build=build)


def document_awaited(*, refund_id: int, kind: DocumentKind) -> bool:
    """True when the refund owes a document of this kind that is not issued yet (its email waits for it)."""
    if RefundDocument.objects.filter(refund_id=refund_id, kind=kind).exists():
        return False
    refund = Refund.objects.select_related("organization").get(pk=refund_id)
    if kind == DocumentKind.RETURN_INVOICE:
        return return_invoice_needed(refund)
    return correction_needed(refund)
