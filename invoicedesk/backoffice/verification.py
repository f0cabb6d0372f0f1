"""Verifying the audit trail's hash chains (`manage.py verify_audit`, and nightly in the worker): every chain of
audit entries and of issued documents, each break recorded, logged and raised as an alert to its organization's
admins. It enqueues nothing (the nightly task runs it)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from invoicedesk.alerts.models import AlertKind
from invoicedesk.alerts.services import alert_raise
from invoicedesk.audit.chain import AUDIT_CHAIN, Chain, ChainReport, chain_verify
from invoicedesk.audit.models import AuditVerification
from invoicedesk.documents.chain import DOCUMENT_CHAIN

logger = logging.getLogger(__name__)

CHAINS: tuple[Chain[Any], ...] = (AUDIT_CHAIN, DOCUMENT_CHAIN)
LABELS = {chain.name: chain.label for chain in CHAINS}


def audit_verify(*, organization_id: int | None = None, verification_id: int | None = None) -> AuditVerification:
    """Walk the chains (all, or one organization's) and record the result in an AuditVerification row (the one
    given, claimed by the nightly job, or a new one)."""
    if verification_id is not None:
        verification = AuditVerification.objects.get(pk=verification_id)
    else:
        verification = AuditVerification.objects.create(organization_id=organization_id)
    every = verification.organization_id is None
    total = ChainReport()
    for chain in CHAINS:
        report = chain_verify(chain, organization_id=verification.organization_id, every=every)
        total.links += report.links
        total.breaks += report.breaks
        total.heads.update(report.heads)
    with transaction.atomic():
        verification.finished_at = timezone.now()
        verification.links_checked = total.links
        verification.breaks = [broken.as_json(LABELS[broken.chain]) for broken in total.breaks]
        verification.save(update_fields=["finished_at", "links_checked", "breaks"])
        for broken, item in zip(total.breaks, verification.breaks, strict=True):
            logger.error("audit chain broken: %s", item["text"])
            if broken.organization_id is not None:
                alert_raise(
                    organization_id=broken.organization_id,
                    kind=AlertKind.AUDIT_CHAIN_BROKEN,
                    subject=f"{broken.chain}:{broken.entry_id if broken.entry_id is not None else 'end'}",
                    detail=item["text"],
                )
    # Logged so a copy lives outside the database: a later rewrite of a chain contradicts these hashes.
    logger.info("audit chains verified: %d links; heads %s", total.links, total.heads)
    return verification
