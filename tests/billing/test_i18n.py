import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role
from invoicedesk.payments.models import PaymentLinkStatus
from tests import factories

pytestmark = pytest.mark.django_db

JAPANESE_LABELS = [
    "取引",
    "請求管理",
    "請求書",
    "請求書番号",
    "請求先",
    "請求金額",
    "オンライン決済リンクステータス",
    "詳細",
]


def test_browser_language_picks_japanese(org: Organization) -> None:
    factories.invoice(org, amount=110_000, link_status=PaymentLinkStatus.PARTIALLY_REFUNDED)
    client = Client(headers={"accept-language": "ja,en;q=0.5"})
    client.force_login(factories.member(org, Role.VIEWER))
    html = client.get("/billing/").content.decode()
    for label in JAPANESE_LABELS:
        assert label in html, label
    assert "￥110,000" in html and "一部返金済み" in html
    assert '<html lang="ja">' in html


def test_saved_preference_wins_over_the_browser(org: Organization) -> None:
    inv = factories.invoice(org, amount=110_000, link_status=PaymentLinkStatus.REFUNDED)
    client = Client(headers={"accept-language": "ja"})
    user = factories.member(org, Role.VIEWER, language="en")
    client.force_login(user)
    html = client.get(f"/billing/invoices/{inv.pk}/").content.decode()
    assert "Billing Invoice Detail" in html and "¥110,000" in html and "REFUNDED" in html

    client.post("/accounts/language/", {"language": "ja", "next": f"/billing/invoices/{inv.pk}/"})
    user.refresh_from_db()
    assert user.language == "ja"
    html = client.get(f"/billing/invoices/{inv.pk}/").content.decode()
    assert "請求書詳細" in html and "決済トランザクション" in html and "返金済み" in html


def test_search_errors_are_in_the_users_language(org: Organization) -> None:
    client = Client()
    client.force_login(factories.member(org, Role.VIEWER, language="ja"))
    html = client.get("/billing/", {"amount_min": "12.5"}).content.decode()
    assert "JPYには小数の単位がありません（ピリオドは桁区切りにも使えません）。整数で入力してください。" in html
    assert "22000、22,000、￥22,000 のように入力してください。" in html


def test_language_switch_does_not_redirect_off_site(org: Organization) -> None:
    client = Client()
    client.force_login(factories.member(org, Role.VIEWER))
    response = client.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
