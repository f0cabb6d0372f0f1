"""payments 0012: a payment link canceled before the one spelling reads CANCELED, its history too (past the
append-only trigger for that migration only), and back."""

import json

import pytest
from django.db import ProgrammingError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from invoicedesk.accounts.models import Organization
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind
from tests import factories

BEFORE, AFTER = ("payments", "0011_connected_account_reconnect"), ("payments", "0012_canceled_one_spelling")


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_a_link_canceled_with_the_old_spelling_is_respelled_with_its_history(org: Organization, owner_rights) -> None:
    link = PaymentLink.objects.get(invoice=factories.invoice(org))
    with owner_rights():  # migrations run as the owner
        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE payments_paymentlink SET status = 'CANCELLED' WHERE id = %s", [link.pk])
            cursor.execute(
                "INSERT INTO payments_paymenttransaction (organization_id, payment_link_id, kind, currency, status,"
                " stripe_reference, actor_label, message_parts, created_at) VALUES (%s, %s, 'LINK_CANCELLED', 'JPY',"
                " 'CANCELLED', '', '', %s, now())",
                [
                    org.pk,
                    link.pk,
                    json.dumps(
                        [
                            ["text", {"text": "was CANCELLED"}],
                            ["x", {"s": {"choice": "link_status", "value": "CANCELLED"}}],
                        ]
                    ),
                ],
            )
            # A refund's row says CANCELED in its own right (refunds were always spelled so): never respelled.
            cursor.execute(
                "INSERT INTO payments_paymenttransaction (organization_id, payment_link_id, kind, currency, status,"
                " stripe_reference, actor_label, message_parts, created_at) VALUES (%s, %s, 'REFUND', 'JPY',"
                " 'CANCELED', '', '', %s, now())",
                [org.pk, link.pk, '[["x", {"s": {"choice": "refund_status", "value": "CANCELED"}}]]'],
            )
        _migrate(AFTER)
        link.refresh_from_db()
        row = PaymentTransaction.objects.get(payment_link=link, kind=TransactionKind.LINK_CANCELED)
        refund_row = PaymentTransaction.objects.get(payment_link=link, kind=TransactionKind.REFUND)
        assert link.status == PaymentLinkStatus.CANCELED == "CANCELED"
        assert (row.kind, row.status) == (TransactionKind.LINK_CANCELED, "CANCELED")
        # A choice's value is respelled; what someone wrote stays as written.
        assert row.message_parts == [
            ["text", {"text": "was CANCELLED"}],
            ["x", {"s": {"choice": "link_status", "value": "CANCELED"}}],
        ]
        assert row.get_kind_display() == "Payment link canceled"

        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM payments_paymentlink WHERE id = %s", [link.pk])
            assert cursor.fetchone() == ("CANCELLED",)
            cursor.execute(
                "SELECT status, message_parts::text FROM payments_paymenttransaction WHERE id = %s", [refund_row.pk]
            )
            status, parts = cursor.fetchone()
            assert status == "CANCELED" and '"CANCELED"' in parts  # the refund's own CANCELED, untouched both ways
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        # The trigger holds again once the migration is done: even the owner cannot update the history.
        with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
            PaymentTransaction.objects.filter(pk=row.pk).update(status="X")
