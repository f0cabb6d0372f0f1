"""Entries written before chains existed are linked by the migration that adds them, in insert order, one chain
per organization; on PostgreSQL it runs as the owner past the append-only trigger, the only UPDATE these rows see."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.audit.models import GENESIS_HASH, AuditAction, AuditEntry, ChainHead
from invoicedesk.audit.services import audit_record


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_existing_entries_and_new_ones_follow(
    org: Organization, other_org: Organization, owner_rights: Callable[[], Any]
) -> None:
    before = [("audit", "0011_document_actions")]
    with owner_rights():  # migrations run as the owner
        executor = MigrationExecutor(connection)
        newest = executor.loader.graph.leaf_nodes()
        executor.migrate(before)
        old_entry = executor.loader.project_state(before).apps.get_model("audit", "AuditEntry")
        for organization_id, action in [(org.pk, "refund.request"), (None, "auth.login"), (org.pk, "refund.approve")]:
            old_entry.objects.create(
                organization_id=organization_id,
                action=action,
                object_type="refunds.Refund",
                object_id="7",
                after={"amount": 22000, "note": "従前の記録"},
                ip_address="192.0.2.1",
                created_at=timezone.now(),
            )
        old_entry.objects.create(organization_id=other_org.pk, action="auth.logout", object_type="x", object_id="1")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(newest)
    first, second = AuditEntry.objects.filter(organization=org).order_by("id")
    assert first.previous_hash == GENESIS_HASH and second.previous_hash == first.chain_hash
    assert ChainHead.objects.get(chain=f"audit:{org.pk}").length == 2
    assert ChainHead.objects.get(chain="audit:-").length == 1
    newer = audit_record(action=AuditAction.ORGANIZATION_SETTINGS, target=org, organization=org)
    assert newer.previous_hash == second.chain_hash
    call_command("verify_audit")  # exit status 0
