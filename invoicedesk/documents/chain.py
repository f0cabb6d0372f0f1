"""Issued documents form a hash chain per organization, like the audit trail (audit.chain): each stores the SHA-256
of its record (its PDF's own SHA-256 included) and of the document issued before it; verify_audit also checks each
PDF against its SHA-256."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from invoicedesk.audit.chain import Chain

from .models import RefundDocument


def document_content(document: RefundDocument) -> dict[str, Any]:
    return {
        "organization": document.organization_id,
        "refund": document.refund_id,
        "kind": document.kind,
        "number": document.number,
        "corrects": document.corrects_id,
        "language": document.language,
        "amounts_by_rate": json.loads(json.dumps(document.amounts_by_rate)),
        "sha256": document.sha256,
        "issued_at": document.issued_at,
        "keep_until": document.keep_until,
    }


def _pdf_matches(document: RefundDocument) -> str | None:
    if hashlib.sha256(bytes(document.pdf)).hexdigest() != document.sha256:
        return "its PDF does not match its SHA-256"
    return None


DOCUMENT_CHAIN: Chain[RefundDocument] = Chain(
    name="documents",
    label="document",
    # The PDFs are read here (one chunk of rows at a time), not deferred as lists do.
    rows=lambda: RefundDocument.objects.defer(None),
    content=document_content,
    organization_of=lambda document: document.organization_id,
    check=_pdf_matches,
    chunk=100,  # PDFs of some hundred kB each
)
