"""Language before signing in (the login page) and on the buyer's pay page."""

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_login_page_switches_language_and_remembers_it() -> None:
    client = Client()
    assert "Log in" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/language/", {"language": "ja", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert "ログイン" in page and 'lang="ja"' in page and 'value="en"' in page


def test_the_pay_page_follows_the_buyer_and_can_be_switched(org: Organization) -> None:
    buyer = factories.buyer(org, "株式会社さくら商事", language="ja")
    invoice = factories.invoice(org, bill_to=buyer)
    url = f"/pay/{invoice.payment_link.token}/"
    client = Client()
    assert '<html lang="ja">' in client.get(url).content.decode()
    switched = client.get(url + "?lang=en")
    assert '<html lang="en">' in switched.content.decode() and 'href="?lang=ja"' in switched.content.decode()
    assert '<html lang="en">' in client.get(url).content.decode()  # remembered for this visitor
    other_buyer = factories.buyer(org, "Northwind Traders", language="en")
    other = factories.invoice(org, bill_to=other_buyer)
    assert '<html lang="en">' in Client().get(f"/pay/{other.payment_link.token}/").content.decode()
