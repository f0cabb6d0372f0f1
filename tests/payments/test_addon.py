"""Subscribing to the Stripe Credit Card Payment Add-on (issue 20, item 2): only with the connected account's
charges and payouts enabled (onboarding completed) and the commerce disclosure page (特定商取引法に基づく表記) set,
or on the platform's own account with the page set; admins only; one contract however often it is pressed; audited.
Cancelling ends it now, audited."""

import html
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import AddonContract, Membership, Organization, Role, User
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.backoffice.audit_text import audit_rows
from invoicedesk.core.errors import Forbidden, ServiceError
from invoicedesk.payments.addon import AddonPrerequisitesMissing, Missing, addon_cancel, addon_subscribe
from invoicedesk.payments.models import ConnectedAccount
from tests import factories

pytestmark = pytest.mark.django_db

DISCLOSURE = "https://seller.example.test/tokushoho"
SETTINGS = "/billing/settings/"


@pytest.fixture
def bare(db: None) -> Organization:
    """An organization without the add-on, on the platform's account, with no commerce disclosure page yet."""
    return factories.organization("New Seller K.K.", addon=False)


def membership(org: Organization, role: Role = Role.ADMIN, **fields: Any) -> Membership:
    user = factories.member(org, role, **fields)
    return Membership.objects.select_related("organization", "user").get(user=user, organization=org)


def connect(org: Organization, *, disclosure: str = DISCLOSURE, **state: Any) -> ConnectedAccount:
    """The organization on its own connected account, as Stripe described it (`state` overrides a ready one)."""
    Organization.objects.filter(pk=org.pk).update(stripe_account_id="acct_seller_1", commerce_disclosure_url=disclosure)
    fields = {"charges_enabled": True, "payouts_enabled": True, "details_submitted": True} | state
    return ConnectedAccount.objects.create(organization=org, stripe_account_id="acct_seller_1", **fields)


@pytest.mark.parametrize(
    ("state", "missing", "words"),
    [
        (
            {"charges_enabled": False, "payouts_enabled": False, "details_submitted": False},
            [Missing.DETAILS_NOT_SUBMITTED, Missing.CHARGES_DISABLED, Missing.PAYOUTS_DISABLED],
            "The Stripe application is not completed",
        ),
        ({"charges_enabled": False}, [Missing.CHARGES_DISABLED], "The Charges feature of the connected Stripe account"),
        ({"payouts_enabled": False}, [Missing.PAYOUTS_DISABLED], "The Payouts feature of the connected Stripe account"),
        (
            {"deauthorized_at": timezone.now() - timedelta(days=1)},
            [Missing.ACCOUNT_DISCONNECTED],
            "was disconnected on",
        ),
    ],
)
def test_each_missing_stripe_prerequisite_refuses_with_its_reason(
    bare: Organization, state: dict[str, Any], missing: list[Missing], words: str
) -> None:
    connect(bare, **state)
    admin = membership(bare)
    with pytest.raises(AddonPrerequisitesMissing) as refused:
        addon_subscribe(actor=admin)
    assert refused.value.details["missing"] == [code.value for code in missing]
    assert words in refused.value.message
    assert not AddonContract.objects.filter(organization=bare).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ADDON_SUBSCRIBE).exists()


def test_an_account_stripe_has_not_described_refuses(bare: Organization) -> None:
    Organization.objects.filter(pk=bare.pk).update(stripe_account_id="acct_by_hand", commerce_disclosure_url=DISCLOSURE)
    with pytest.raises(AddonPrerequisitesMissing) as refused:
        addon_subscribe(actor=membership(bare))
    assert refused.value.details["missing"] == [Missing.ACCOUNT_NOT_DESCRIBED.value]


def test_without_the_commerce_disclosure_page_it_refuses_on_either_account(bare: Organization) -> None:
    admin = membership(bare)
    with pytest.raises(AddonPrerequisitesMissing) as refused:  # the platform's own account
        addon_subscribe(actor=admin)
    assert refused.value.details["missing"] == [Missing.COMMERCE_DISCLOSURE.value]
    assert "特定商取引法に基づく表記" in refused.value.message
    connect(bare, disclosure="")
    with pytest.raises(AddonPrerequisitesMissing) as refused:  # a ready connected account
        addon_subscribe(actor=admin)
    assert refused.value.details["missing"] == [Missing.COMMERCE_DISCLOSURE.value]
    assert not AddonContract.objects.exists()


def test_all_met_makes_one_contract_audited_and_a_second_press_makes_no_other(bare: Organization) -> None:
    connect(bare)
    admin = membership(bare, email="boss@example.test")
    contract = addon_subscribe(actor=admin, ip_address="203.0.113.7")
    assert contract.ends_at is None and contract.is_valid_at(timezone.now())
    again = addon_subscribe(actor=admin)
    assert again.pk == contract.pk
    assert AddonContract.objects.filter(organization=bare).count() == 1
    [entry] = AuditEntry.objects.filter(action=AuditAction.ADDON_SUBSCRIBE)
    assert entry.actor == admin.user and entry.ip_address == "203.0.113.7"
    assert entry.object_id == str(contract.pk) and entry.organization_id == bare.pk
    assert entry.after["stripe_account_id"] == "acct_seller_1" and entry.after["commerce_disclosure_url"] == DISCLOSURE
    [row] = audit_rows([entry])
    assert row.action == "Stripe Credit Card Payment Add-on subscribed"
    assert "Stripe Credit Card Payment Add-on" in row.subject


def test_a_contract_that_starts_later_is_not_answered_as_active(bare: Organization) -> None:
    connect(bare)
    later = timezone.now() + timedelta(days=10)
    AddonContract.objects.create(organization=bare, starts_at=later)
    with pytest.raises(ServiceError, match="Already subscribed") as refused:
        addon_subscribe(actor=membership(bare))
    assert timezone.localdate(later).isoformat() in refused.value.message
    assert AddonContract.objects.filter(organization=bare).count() == 1


def test_one_seller_deployment_subscribes_on_the_platforms_account(bare: Organization) -> None:
    """No connected account: Stripe's conditions are the platform owner's own; the disclosure is still asked."""
    Organization.objects.filter(pk=bare.pk).update(commerce_disclosure_url=DISCLOSURE)
    contract = addon_subscribe(actor=membership(bare))
    assert AuditEntry.objects.get(action=AuditAction.ADDON_SUBSCRIBE).after["stripe_account_id"] is None
    assert contract.organization_id == bare.pk


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR, Role.APPROVER, Role.ACCOUNTANT])
def test_only_admins_subscribe_or_cancel(bare: Organization, role: Role) -> None:
    connect(bare)
    with pytest.raises(Forbidden):
        addon_subscribe(actor=membership(bare, role))
    assert not AddonContract.objects.exists()
    addon_subscribe(actor=membership(bare))
    with pytest.raises(Forbidden):
        addon_cancel(actor=membership(bare, role))
    assert AddonContract.objects.get().ends_at is None


@pytest.mark.django_db(transaction=True)
def test_two_presses_at_once_make_one_contract(bare: Organization) -> None:
    connect(bare)
    admins = [membership(bare), membership(bare)]
    start = threading.Barrier(len(admins))
    made: list[int] = []
    errors: list[Exception] = []

    def press(admin: Membership) -> None:
        try:
            start.wait()
            made.append(addon_subscribe(actor=admin).pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=press, args=(admin,)) for admin in admins]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(made) == 2 and len(set(made)) == 1
    assert AddonContract.objects.filter(organization=bare).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.ADDON_SUBSCRIBE).count() == 1


def test_cancelling_ends_the_contract_now_audited_and_it_can_be_subscribed_again(bare: Organization) -> None:
    connect(bare)
    admin = membership(bare)
    contract = addon_subscribe(actor=admin)
    ended = addon_cancel(actor=admin)
    assert ended.pk == contract.pk and ended.ends_at is not None and ended.ends_at <= timezone.now()
    entry = AuditEntry.objects.get(action=AuditAction.ADDON_CANCEL)
    assert entry.before == {"ends_at": None} and entry.after["ends_at"] == ended.ends_at.isoformat()
    with pytest.raises(ServiceError) as refused:
        addon_cancel(actor=admin)
    assert refused.value.code == "addon_not_active"
    again = addon_subscribe(actor=admin)
    assert again.pk != contract.pk and AddonContract.objects.filter(organization=bare).count() == 2


def page(client: Client) -> str:
    return html.unescape(client.get(SETTINGS).content.decode())


def subscribe_button(text: str) -> str:
    start = text.index('data-testid="addon-subscribe"')
    return text[text.rindex("<button", 0, start) : text.index(">", start) + 1]


def test_settings_shows_the_button_disabled_with_the_reasons_then_enabled_and_it_subscribes(
    bare: Organization, login: Callable[[User], Client]
) -> None:
    connect(bare, disclosure="", payouts_enabled=False)
    client = login(factories.member(bare, Role.ADMIN))
    text = page(client)
    assert "Subscribe to the Stripe Credit Card Payment Add-on" in text
    assert "disabled" in subscribe_button(text)
    assert "The Payouts feature of the connected Stripe account is not enabled." in text
    assert "The commerce disclosure page (特定商取引法に基づく表記) is not set" in text
    # The service, not the page, decides: a POST past the disabled button is refused with the reasons.
    refused = client.post("/billing/settings/addon/subscribe/", follow=True).content.decode()
    assert "The Payouts feature of the connected Stripe account is not enabled." in html.unescape(refused)
    assert not AddonContract.objects.exists()

    ConnectedAccount.objects.filter(organization=bare).update(payouts_enabled=True)
    form = {
        "refund_approval_policy": "none",
        "refund_approval_expiry_hours": "72",
        "time_zone": "Asia/Tokyo",
        "commerce_disclosure_url": DISCLOSURE,
    }
    assert client.post(SETTINGS, form).status_code == 302
    text = page(client)
    assert "disabled" not in subscribe_button(text) and 'data-testid="addon-missing"' not in text
    response = client.post("/billing/settings/addon/subscribe/")
    assert response.status_code == 302 and response["Location"].endswith("#addon")
    assert AddonContract.objects.get(organization=bare).ends_at is None
    text = page(client)
    assert 'data-testid="addon-cancel"' in text and 'data-testid="addon-subscribe"' not in text
    assert "Card payments: on" in text

    assert client.post("/billing/settings/addon/cancel/").status_code == 302
    assert AddonContract.objects.get(organization=bare).ends_at is not None
    text = page(client)
    assert "Ended on" in text and "disabled" not in subscribe_button(text)


def test_a_japanese_admin_reads_the_button_and_reasons_in_japanese(
    bare: Organization, login: Callable[[User], Client]
) -> None:
    connect(bare, disclosure="", charges_enabled=False)
    client = login(factories.member(bare, Role.ADMIN, language="ja"))
    text = page(client)
    assert "Stripeクレジットカード決済オプションに申し込む" in text and "disabled" in subscribe_button(text)
    assert "接続したStripeアカウントの決済（Charges）機能が有効になっていません。" in text
    assert "特定商取引法に基づく表記が設定されていません" in text


def test_others_cannot_post_the_buttons(bare: Organization, login: Callable[[User], Client]) -> None:
    connect(bare)
    operator = login(factories.member(bare, Role.OPERATOR))
    assert operator.post("/billing/settings/addon/subscribe/").status_code == 403
    assert not AddonContract.objects.exists()


def test_the_commerce_disclosure_url_is_https_and_its_change_is_audited(
    bare: Organization, login: Callable[[User], Client], settings: Any
) -> None:
    client = login(factories.member(bare, Role.ADMIN))
    form = {"refund_approval_policy": "none", "refund_approval_expiry_hours": "72", "time_zone": "Asia/Tokyo"}
    refused = client.post(SETTINGS, {**form, "commerce_disclosure_url": "not a url"}).content.decode()
    assert 'data-testid="commerce_disclosure_url-error"' in refused
    # http is accepted in development only (a page served from this machine).
    assert client.post(SETTINGS, {**form, "commerce_disclosure_url": "http://localhost:8000/law"}).status_code == 302
    settings.ENVIRONMENT = "production"
    plain = client.post(SETTINGS, {**form, "commerce_disclosure_url": "http://seller.example.test/law"})
    assert 'data-testid="commerce_disclosure_url-error"' in plain.content.decode()
    assert client.post(SETTINGS, {**form, "commerce_disclosure_url": DISCLOSURE}).status_code == 302
    bare.refresh_from_db()
    assert bare.commerce_disclosure_url == DISCLOSURE
    entries = AuditEntry.objects.filter(action=AuditAction.ORGANIZATION_SETTINGS).order_by("id")
    assert [e.after["commerce_disclosure_url"] for e in entries] == ["http://localhost:8000/law", DISCLOSURE]
    [row] = audit_rows([entries.last()])  # type: ignore[list-item]
    assert any("Commerce disclosure page" in str(change) for change in row.changes)


def test_the_service_refuses_an_http_url_outside_development(bare: Organization, settings: Any) -> None:
    from invoicedesk.accounts.services import OrganizationSettings, organization_settings_update

    settings.ENVIRONMENT = "production"
    with pytest.raises(ServiceError) as refused:
        organization_settings_update(
            actor=membership(bare),
            settings=OrganizationSettings(
                refund_approval_policy=bare.refund_approval_policy,  # type: ignore[arg-type]
                refund_approval_threshold_amount=None,
                refund_approval_threshold_percent=None,
                refund_approval_expiry_hours=72,
                email_buyer_on_outside_refunds=True,
                time_zone="Asia/Tokyo",
                commerce_disclosure_url="http://seller.example.test/law",
            ),
        )
    assert refused.value.field == "commerce_disclosure_url" and "https://" in refused.value.message
    bare.refresh_from_db()
    assert bare.commerce_disclosure_url == ""
