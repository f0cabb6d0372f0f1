import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from invoicedesk.accounts.models import Organization
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_links_paid_before_the_field_existed_get_their_invoice_currency(org: Organization, owner_rights) -> None:
    with owner_rights():  # migrations run as the owner
        _migrate_back_and_forth(org)


def _migrate_back_and_forth(org: Organization) -> None:
    paid = factories.invoice(org, link_status=PaymentLinkStatus.PARTIALLY_REFUNDED)
    unpaid = factories.invoice(org)
    before, after = [("payments", "0003_append_only")], [("payments", "0004_paid_currency")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)  # the column goes away with its values
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert PaymentLink.objects.get(invoice=paid).paid_currency == "JPY"
    assert PaymentLink.objects.get(invoice=unpaid).paid_currency == ""
