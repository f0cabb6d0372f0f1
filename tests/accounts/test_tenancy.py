from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role, User
from tests import factories
from tests.http import streamed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_invoice(other_org: Organization) -> int:
    return factories.invoice(other_org, number="OTHER-0001", bill_to=factories.buyer(other_org, "Secret Buyer")).pk


def test_list_shows_only_the_current_organization(
    operator_client: Client, org: Organization, foreign_invoice: int
) -> None:
    factories.invoice(org, number="MINE-0001")
    html = operator_client.get("/billing/").content.decode()
    assert "MINE-0001" in html
    assert "OTHER-0001" not in html and "Secret Buyer" not in html
    assert operator_client.get("/billing/", {"number": "OTHER"}).context["page"].rows == []


def test_another_tenants_invoice_id_is_not_found(operator_client: Client, foreign_invoice: int) -> None:
    assert operator_client.get(f"/billing/invoices/{foreign_invoice}/").status_code == 404
    assert operator_client.get(f"/billing/invoices/{foreign_invoice}/?tab=transactions").status_code == 404


def test_csv_export_holds_only_the_current_organization(
    operator_client: Client, org: Organization, foreign_invoice: int
) -> None:
    factories.invoice(org, number="MINE-0001")
    body = streamed_text(operator_client.get("/billing/invoices.csv"))
    assert "MINE-0001" in body
    assert "OTHER-0001" not in body and "Secret Buyer" not in body


def test_member_of_two_organizations_switches_between_them(
    org: Organization, other_org: Organization, foreign_invoice: int, login: Callable[[User], Client]
) -> None:
    user = factories.member(org, Role.VIEWER)
    factories.invoice(org, number="MINE-0001")
    from invoicedesk.accounts.models import Membership

    Membership.objects.create(user=user, organization=other_org, role=Role.VIEWER)
    client = login(user)
    # The first organization by name is current until the user switches.
    assert "MINE-0001" in client.get("/billing/").content.decode()
    response = client.post("/accounts/organization/", {"organization": other_org.pk})
    assert response.status_code == 302
    html = client.get("/billing/").content.decode()
    assert "OTHER-0001" in html and "MINE-0001" not in html
    assert client.get(f"/billing/invoices/{foreign_invoice}/").status_code == 200


def test_switching_to_an_organization_one_is_not_in_changes_nothing(
    operator_client: Client, org: Organization, other_org: Organization, foreign_invoice: int
) -> None:
    operator_client.post("/accounts/organization/", {"organization": other_org.pk})
    assert operator_client.get(f"/billing/invoices/{foreign_invoice}/").status_code == 404
    assert operator_client.session.get("organization_id") is None


def test_anonymous_users_are_sent_to_login(client: Client, org: Organization) -> None:
    inv = factories.invoice(org)
    for url in ["/billing/", "/billing/invoices.csv", f"/billing/invoices/{inv.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_user_without_any_organization_is_refused(login: Callable[[User], Client], db: None) -> None:
    lonely = User.objects.create_user("lonely@example.test", "x")
    assert login(lonely).get("/billing/").status_code == 403
