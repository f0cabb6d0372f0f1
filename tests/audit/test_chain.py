"""The audit chain: each audit entry and each issued document stores the SHA-256 of its content and of the previous
link of its organization; verify_audit exits 0 while every chain holds and 1 naming the first link that does not
(a row changed or removed by someone with the owner's rights), records its run and alerts the organization."""

import hashlib
import io
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import Organization, Role, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.audit.chain import AUDIT_CHAIN, canonical_json, chain_insert, chain_verify, link_hash
from invoicedesk.audit.models import GENESIS_HASH, AuditAction, AuditEntry, AuditVerification, ChainHead
from invoicedesk.audit.services import audit_record
from invoicedesk.backoffice.tasks import verify_audit_if_due
from invoicedesk.documents.chain import DOCUMENT_CHAIN
from invoicedesk.documents.models import DocumentKind, RefundDocument
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from tests import factories

TRIGGER = "pgtrigger_audit_entry_append_only_e8f53"


def _entries(org: Organization, count: int, **after: Any) -> list[AuditEntry]:
    return [
        audit_record(
            action=AuditAction.ORGANIZATION_SETTINGS,
            target=org,
            organization=org,
            before={"n": n},
            after={"n": n + 1, "name": "株式会社 & <b>", "rate": 0.1, "whole": 2.0, **after},
            ip_address="2001:DB8::1" if n % 2 else "::ffff:192.0.2.1",
        )
        for n in range(count)
    ]


def _as_owner(sql: str, params: list[Any], owner_rights: Callable[[], Any]) -> None:
    """What someone with the owner's rights can do: get past the trigger (pgtrigger.ignore) and rewrite a row."""
    # set_config(…, true) lasts for the transaction: one is opened for it in a transactional test too.
    with owner_rights(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + TRIGGER + "}"])
        cursor.execute(sql, params)
        assert cursor.rowcount == 1


def _verify(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, err.getvalue() + str(error)
    return 0, out.getvalue()


@pytest.mark.django_db
def test_each_entry_links_to_the_one_before_in_its_own_organizations_chain(
    org: Organization, other_org: Organization
) -> None:
    first, second = _entries(org, 2)
    (theirs,) = _entries(other_org, 1)
    assert first.previous_hash == GENESIS_HASH == theirs.previous_hash
    assert second.previous_hash == first.chain_hash
    reread = AuditEntry.objects.get(pk=second.pk)  # the hash is of what the database gives back
    content = {
        "organization": org.pk,
        "actor": None,
        "action": "organization.settings",
        "object_type": "accounts.Organization",
        "object_id": str(org.pk),
        "before": {"n": 1},
        "after": {"n": 2, "name": "株式会社 & <b>", "rate": 0.1, "whole": 2},
        "ip_address": "2001:0db8:0000:0000:0000:0000:0000:0001",
        "created_at": reread.created_at,
    }
    assert reread.chain_hash == link_hash(first.chain_hash, content)
    assert (
        canonical_json(content["after"]) == '{"n":2,"name":"\\u682a\\u5f0f\\u4f1a\\u793e & <b>","rate":0.1,"whole":2}'
    )
    assert ChainHead.objects.get(chain=f"audit:{org.pk}").last_hash == second.chain_hash
    assert ChainHead.objects.get(chain=f"audit:{org.pk}").length == 2
    assert chain_verify(AUDIT_CHAIN).breaks == []


@pytest.mark.django_db
def test_sign_ins_form_the_chain_of_no_organization(org: Organization, client: Client) -> None:
    user = factories.member(org, Role.VIEWER, email="viewer@example.test")
    user.set_password("right-password-1")
    user.save()
    client.post("/accounts/login/", {"username": "viewer@example.test", "password": "wrong"})
    client.post("/accounts/login/", {"username": "viewer@example.test", "password": "right-password-1"})
    failed, signed_in = AuditEntry.objects.filter(organization=None).order_by("id")
    assert (failed.action, signed_in.action) == (AuditAction.LOGIN_FAILED, AuditAction.LOGIN)
    assert signed_in.previous_hash == failed.chain_hash
    assert _verify() == (0, "OK: 2 entries and documents verified; every chain holds.\n")


@pytest.mark.django_db
def test_verify_audit_exits_1_naming_the_entry_the_owner_altered(
    org: Organization, other_org: Organization, owner_rights: Callable[[], Any]
) -> None:
    entries = _entries(org, 3)
    _entries(other_org, 2)
    assert _verify()[0] == 0
    _as_owner("UPDATE audit_auditentry SET after = %s WHERE id = %s", ['{"n": 99}', entries[1].pk], owner_rights)
    status, output = _verify()
    assert status == 1
    assert f"audit entry #{entries[1].pk} (organization {org.pk}): its content was changed" in output
    assert f"organization {other_org.pk}" not in output  # the other chain holds
    assert _verify("--organization", str(other_org.pk))[0] == 0
    assert _verify("--organization", str(org.pk))[0] == 1
    alert = Alert.objects.get(organization=org, kind=AlertKind.AUDIT_CHAIN_BROKEN)
    assert f"#{entries[1].pk}" in alert.detail
    run = AuditVerification.objects.filter(organization=None).latest("started_at")  # walked up to the break: 2 + 2
    assert (
        run.finished_at is not None and run.links_checked == 4 and [b["entry"] for b in run.breaks] == [entries[1].pk]
    )


@pytest.mark.django_db
def test_a_removed_entry_breaks_the_one_after_it(org: Organization, owner_rights: Callable[[], Any]) -> None:
    entries = _entries(org, 3)
    _as_owner("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk], owner_rights)
    status, output = _verify()
    assert status == 1 and f"audit entry #{entries[2].pk} (organization {org.pk}): the entry before it" in output


@pytest.mark.django_db
def test_a_removed_last_entry_shows_against_the_chains_head(org: Organization, owner_rights: Callable[[], Any]) -> None:
    entries = _entries(org, 3)
    _as_owner("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk], owner_rights)
    status, output = _verify()
    assert status == 1
    assert (
        f"audit entry chain of organization {org.pk}: entries were removed from its end (its head counts 3, 2" in output
    )


@pytest.mark.django_db
def test_a_document_whose_pdf_was_changed_is_named(org: Organization, owner_rights: Callable[[], Any]) -> None:
    link = factories.invoice(org, link_status=PaymentLinkStatus.PAID).payment_link
    refund = Refund.objects.create(
        organization=org,
        payment_link=link,
        amount=11_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.SUCCEEDED,
    )
    pdf = b"%PDF-1.7 a return invoice"
    document = chain_insert(
        DOCUMENT_CHAIN,
        RefundDocument(
            organization=org,
            refund=refund,
            kind=DocumentKind.RETURN_INVOICE,
            number="RI-2026-000001",
            language="ja",
            amounts_by_rate=[[10, 11_000, 1_000]],
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            keep_until=date(2036, 1, 1),
        ),
    )
    assert document.previous_hash == GENESIS_HASH
    assert _verify() == (0, "OK: 1 entries and documents verified; every chain holds.\n")
    with owner_rights(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{pgtrigger_refund_document_unaltered_fcdf0}"]
        )
        cursor.execute("UPDATE documents_refunddocument SET pdf = %s WHERE id = %s", [b"%PDF forged", document.pk])
    status, output = _verify()
    assert status == 1 and f"document #{document.pk} (organization {org.pk}): its PDF does not match" in output


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_verifies_once_a_night_and_the_audit_log_says_when(
    org: Organization,
    login: Callable[[User], Client],
    owner_rights: Callable[[], Any],
) -> None:
    admin = login(factories.member(org, Role.ADMIN))
    assert "Not verified yet" in admin.get("/billing/audit/").content.decode()
    first = verify_audit_if_due()
    assert first is not None and verify_audit_if_due() is None  # once per night, however many workers ask
    page = admin.get("/billing/audit/").content.decode()
    assert "Last verified" in page and "every entry holds" in page
    japanese = login(factories.member(org, Role.ADMIN, email="kansa@example.test", language="ja"))
    assert "すべての記録が検証されました" in japanese.get("/billing/audit/").content.decode()
    (entry,) = _entries(org, 1)
    _as_owner("UPDATE audit_auditentry SET object_id = 'x' WHERE id = %s", [entry.pk], owner_rights)
    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=1)):
        assert verify_audit_if_due() is not None
    page = admin.get("/billing/audit/").content.decode()
    assert f"does not hold from entry #{entry.pk}" in page
    assert Alert.objects.filter(organization=org, kind=AlertKind.AUDIT_CHAIN_BROKEN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_one_organization_keep_one_chain(org: Organization) -> None:
    threads, errors = 6, []
    start = threading.Barrier(threads)

    def write() -> None:
        try:
            start.wait()
            _entries(org, 5)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    links = list(AuditEntry.objects.filter(organization=org).order_by("id").values_list("previous_hash", "chain_hash"))
    assert len(links) == 30
    assert [previous for previous, _ in links] == [GENESIS_HASH] + [hash_ for _, hash_ in links[:-1]]  # no fork
    assert _verify()[0] == 0
