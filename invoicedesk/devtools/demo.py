"""Demo data for `make run` and the browser tests. Idempotent: run it as often as you like."""

from __future__ import annotations

import random
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from invoicedesk.accounts.models import AddonContract, Language, Membership, Organization, Role, User
from invoicedesk.accounts.selectors import addon_contract_valid_at
from invoicedesk.billing.models import BillingInvoice, Buyer, InvoiceLine, PaymentMethod, TaxRate
from invoicedesk.payments.connect import connect_account_refresh, connect_onboarding_url, connected_account_of
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.payments.services import (
    payment_intent_for_link,
    payment_link_cancel,
    payment_link_expire,
    payment_link_issue,
    payment_record_intent,
)
from invoicedesk.refunds.models import RefundClassification, RefundReason
from invoicedesk.refunds.services import RefundInput, refund_request

from .registry_double import demo_registration_numbers
from .test_cards import pay_with_test_card

DEMO_PASSWORD = "demo-pass-2026"
DEMO_ORGANIZATION = "Demo Seller Inc."
OTHER_ORGANIZATION = "Kita Supplies K.K."
DEMO_USERS = {
    "admin@demo.test": Role.ADMIN,
    "operator@demo.test": Role.OPERATOR,
    "approver@demo.test": Role.APPROVER,
    "viewer@demo.test": Role.VIEWER,
}
OTHER_USER = "owner@kita.test"
INVOICE_COUNT = 300

BUYERS: list[tuple[str, str, str, str]] = [
    ("Sakura Trading Co., Ltd.", "Haruka Sato", "billing@sakura-trading.example", Language.ENGLISH),
    ("株式会社さくら商事", "佐藤 春香", "keiri@sakura-shoji.example", Language.JAPANESE),
    ("Fuji Components K.K.", "Kenji Tanaka", "ap@fuji-components.example", Language.ENGLISH),
    ("山田精機株式会社", "山田 太郎", "shiharai@yamada-seiki.example", Language.JAPANESE),
    ("Northwind Traders", "Nancy Davolio", "invoices@northwind.example", Language.ENGLISH),
    ("合同会社みなと物流", "鈴木 一郎", "kaikei@minato-logi.example", Language.JAPANESE),
    ("Blue Ocean Foods Inc.", "Maria Garcia", "finance@blueocean.example", Language.ENGLISH),
    ("株式会社ひかりデザイン", "高橋 美咲", "info@hikari-design.example", Language.JAPANESE),
    ("Kyoto Craft Works", "Yui Nakamura", "accounts@kyoto-craft.example", Language.ENGLISH),
    ("東京システム開発株式会社", "伊藤 健", "billing@tokyo-sysdev.example", Language.JAPANESE),
    ("Osaka Metal Industries", "Daichi Kobayashi", "ap@osaka-metal.example", Language.ENGLISH),
    ("有限会社あおぞら農園", "渡辺 花子", "aozora@aozora-farm.example", Language.JAPANESE),
]

# Share of online payment link invoices per link status. Every one is reached
# through the services: issued, paid through Stripe, refunded by the operator.
LINK_STATUS_WEIGHTS: dict[PaymentLinkStatus, int] = {
    PaymentLinkStatus.UNPAID: 35,
    PaymentLinkStatus.PAID: 40,
    PaymentLinkStatus.PARTIALLY_REFUNDED: 7,
    PaymentLinkStatus.REFUNDED: 4,
    PaymentLinkStatus.EXPIRED: 8,
    PaymentLinkStatus.CANCELED: 6,
}


@dataclass(frozen=True)
class DemoSummary:
    organization: Organization
    other_organization: Organization
    invoices_created: int


class DemoRefused(Exception):
    """The demo was asked to run where it must not."""


def demo_refusal() -> str | None:
    """Why the demo may not run here, or None: never in production, where its users (with a password printed in
    the README) would become real sign-ins and its invoices real records."""
    if settings.PRODUCTION:
        return (
            "The demo does not run in production (INVOICEDESK_ENV is production, or unset). "
            "Set INVOICEDESK_ENV=development on a development machine; `make run` does."
        )
    return None


def demo_loading_marker() -> Path:
    """A file that exists while `make run` loads the demo data (see DemoLoadingMiddleware)."""
    return Path(settings.VAR_DIR) / "demo-loading"


def _user(email: str, *, language: str = "") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, language=language)
    return user


def _organization(name: str, *, contact_email: str, contract_start: datetime) -> Organization:
    organization, _ = Organization.objects.get_or_create(
        name=name,
        # Two-factor sign-in off, so the demo's logins open at once (README: how to turn it on).
        defaults={
            "currency": "JPY",
            "contact_email": contact_email,
            "require_two_factor": False,
            # What the add-on asks of every seller (特定商取引法に基づく表記): published on the seller's own site.
            "commerce_disclosure_url": f"https://{contact_email.split('@', 1)[1]}/legal/tokushoho",
        },
    )
    AddonContract.objects.get_or_create(organization=organization, starts_at=contract_start)
    return organization


def _buyers(organization: Organization, rows: list[tuple[str, str, str, str]]) -> list[Buyer]:
    return [
        Buyer.objects.get_or_create(
            organization=organization,
            company_name=company,
            defaults={"contact_name": contact, "email": email, "language": language},
        )[0]
        for company, contact, email, language in rows
    ]


DEMO_SUBJECTS = ("IT consulting", "Cloud hosting", "Software licence", "Maintenance and support")


def _invoices(
    organization: Organization,
    buyers: list[Buyer],
    *,
    prefix: str,
    count: int,
    first: tuple[Buyer, int, str] | None,
    rng: random.Random,
) -> tuple[int, list[tuple[BillingInvoice, PaymentLinkStatus]]]:
    """Create the invoices that are missing; return how many, and each online invoice with its target status."""
    existing = {inv.number: inv for inv in BillingInvoice.objects.filter(organization=organization)}
    created = 0
    plan: list[tuple[BillingInvoice, PaymentLinkStatus]] = []
    start = date(2026, 1, 5)
    for index in range(1, count + 1):
        number = f"{prefix}-{index:04d}"
        # Draw every value even for existing invoices, so reruns stay deterministic.
        issue = start + timedelta(days=rng.randrange(0, 300))
        amount = rng.choice([5_500, 11_000, 22_000, 33_000, 55_000, 110_000, 165_000, 220_000, 330_000, 1_100_000])
        method: str = rng.choices(list(PaymentMethod), weights=[70, 20, 10])[0]
        buyer = rng.choice(buyers)
        status = rng.choices(list(LINK_STATUS_WEIGHTS), weights=list(LINK_STATUS_WEIGHTS.values()))[0]
        if index == 1 and first is not None:
            buyer, amount, method = first[0], first[1], first[2]
            status = PaymentLinkStatus.PAID
        invoice = existing.get(number)
        if invoice is None:
            invoice = BillingInvoice.objects.create(
                organization=organization,
                number=number,
                buyer=buyer,
                issue_date=issue,
                due_date=issue + timedelta(days=30),
                amount=amount,
                currency=organization.currency,
                payment_method=method,
                # What was sold, without drawing from rng (reruns stay deterministic).
                subject=f"{DEMO_SUBJECTS[index % len(DEMO_SUBJECTS)]}, {issue:%B %Y}",
            )
            created += 1
        if invoice.payment_method == PaymentMethod.ONLINE_PAYMENT_LINK:
            plan.append((invoice, status))
    return created, plan


# A valid registration number (its check digit holds) for the demo seller: made up, registered to nobody.
DEMO_REGISTRATION_NUMBER = "T9010401234567"
MIXED_RATES_INVOICE = "INV-2026-0301"


def _qualified_invoice_data(
    organization: Organization, buyers: list[Buyer]
) -> tuple[int, list[tuple[BillingInvoice, PaymentLinkStatus]]]:
    """The seller's registration, INV-2026-0001's lines at 10 %, and a paid invoice with 10 % and 8 % lines."""
    if not organization.invoice_registration_number:
        organization.invoice_registration_number = DEMO_REGISTRATION_NUMBER
        organization.invoice_issuer_name = "Demo Seller Inc. (デモセラー株式会社)"
        organization.invoice_issuer_address = "1-2-3 Marunouchi, Chiyoda-ku, Tokyo 100-0005"
        organization.save(
            update_fields=["invoice_registration_number", "invoice_issuer_name", "invoice_issuer_address"]
        )
    first = BillingInvoice.objects.get(organization=organization, number="INV-2026-0001")
    if not first.lines.exists():
        InvoiceLine.objects.create(
            invoice=first, description="IT consulting, March 2026", quantity=1, unit_price=100_000, net_amount=100_000
        )
    mixed, created = BillingInvoice.objects.get_or_create(
        organization=organization,
        number=MIXED_RATES_INVOICE,
        defaults={
            "buyer": buyers[1],
            "issue_date": date(2026, 10, 1),
            "due_date": date(2026, 10, 31),
            "amount": 109_000,  # 50,000 + 10 % and 50,000 + 8 %
            "currency": organization.currency,
            "subject": "Office coffee machine and coffee beans",
        },
    )
    if created:
        InvoiceLine.objects.create(
            invoice=mixed,
            position=1,
            description="Office coffee machine",
            quantity=1,
            unit_price=50_000,
            net_amount=50_000,
            tax_rate=TaxRate.STANDARD,
        )
        # ※ marks the reduced rate wherever lines are shown; the description does not carry it.
        InvoiceLine.objects.create(
            invoice=mixed,
            position=2,
            description="Coffee beans (1 kg)",
            quantity=20,
            unit_price=2_500,
            net_amount=50_000,
            tax_rate=TaxRate.REDUCED,
        )
    return int(created), [(mixed, PaymentLinkStatus.PAID)]


def _bring_link_to(
    invoice: BillingInvoice, target: PaymentLinkStatus, admin: Membership, operator: Membership | None
) -> None:
    """Issue the invoice's link and take it to `target` through the real services (and Stripe for money)."""
    link = PaymentLink.objects.filter(invoice=invoice).first()
    if link is None:
        if addon_contract_valid_at(organization_id=invoice.organization_id, moment=timezone.now()) is None:
            return
        link = payment_link_issue(actor=admin, invoice_id=invoice.pk)
    if link.status == PaymentLinkStatus.PAID and operator is not None:
        _refund_to(invoice, target, operator)
    if link.status != PaymentLinkStatus.UNPAID or target == PaymentLinkStatus.UNPAID:
        return
    if target == PaymentLinkStatus.CANCELED:
        payment_link_cancel(actor=admin, invoice_id=invoice.pk)
    elif target == PaymentLinkStatus.EXPIRED:
        PaymentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
        payment_link_expire(link_id=link.pk)
    else:
        intent = payment_intent_for_link(link=link)
        if not intent.succeeded:
            account = PaymentLink.objects.select_related("invoice__organization").get(pk=link.pk).stripe_account
            intent = pay_with_test_card(payment_intent_id=intent.id, stripe_account=account)
        payment_record_intent(intent=intent)
        if operator is not None:
            _refund_to(invoice, target, operator)


def _refund_to(invoice: BillingInvoice, target: PaymentLinkStatus, operator: Membership) -> None:
    if target not in (PaymentLinkStatus.PARTIALLY_REFUNDED, PaymentLinkStatus.REFUNDED):
        return
    full = target == PaymentLinkStatus.REFUNDED
    refund_request(
        actor=operator,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=invoice.amount if full else invoice.amount // 5,
            classification=RefundClassification.FULL if full else RefundClassification.PARTIAL,
            reason=RefundReason.REQUESTED_BY_CUSTOMER,
            memo="Demo data",
            # The same key on every run: a rerun finds the refund instead of making another.
            idempotency_key=uuid.uuid5(uuid.NAMESPACE_URL, f"invoicedesk-demo-refund/{invoice.number}"),
        ),
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the return URL is the app's own, asked below through the service


def connect_demo_account(admin: Membership) -> None:
    """The organization's own Stripe account, through Connect's real flow: the account made on the platform's key,
    its hosted onboarding completed (the Connect double's page in `make run`), the state asked from Stripe."""
    organization = admin.organization
    existing = connected_account_of(organization)
    if existing is not None and existing.ready:
        return
    site = settings.SITE_URL.rstrip("/")
    onboarding = connect_onboarding_url(
        actor=admin,
        refresh_url=f"{site}/billing/settings/#stripe-account",
        return_url=f"{site}/billing/settings/stripe/return/",
    )
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(onboarding, timeout=30):
        pass
    form = urllib.parse.urlencode({"action": "complete"}).encode()
    try:
        opener.open(urllib.request.Request(onboarding, data=form, method="POST"), timeout=30)  # noqa: S310
    except urllib.error.HTTPError as redirect:  # 303 to the return URL: onboarding done
        if redirect.code != 303:
            raise
    organization.refresh_from_db()
    connect_account_refresh(organization=organization)


def seed_demo(*, connect_accounts: bool = False) -> DemoSummary:
    """Organizations, users, buyers and invoices; links issued, paid, canceled or expired through the services.

    Payments go through Stripe (localstripe in development), so Stripe must be reachable.
    Each step checks what exists, so a rerun, or a rerun after a failure, finishes the job.
    With `connect_accounts` (`make run`: the Connect double in front of localstripe) each organization first
    connects its own Stripe account and takes its payments there.
    """
    if (refusal := demo_refusal()) is not None:
        raise DemoRefused(refusal)
    rng = random.Random(2026)
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        demo = _organization(
            DEMO_ORGANIZATION,
            contact_email="support@demo-seller.example",
            contract_start=datetime(2025, 4, 1, tzinfo=tz),
        )
        for email, role in DEMO_USERS.items():
            Membership.objects.get_or_create(user=_user(email), organization=demo, defaults={"role": role})
        buyers = _buyers(demo, BUYERS)
        created, plan = _invoices(
            demo,
            buyers,
            prefix="INV-2026",
            count=INVOICE_COUNT,
            first=(buyers[0], 110_000, PaymentMethod.ONLINE_PAYMENT_LINK),
            rng=rng,
        )
        mixed_created, mixed_plan = _qualified_invoice_data(demo, buyers)
        demo_registration_numbers(demo, buyers)  # looked up in the registry (its double in `make run`)
        created += mixed_created
        plan += mixed_plan
    admin = Membership.objects.select_related("organization", "user").get(
        organization=demo, user__email="admin@demo.test"
    )
    operator = Membership.objects.select_related("organization", "user").get(
        organization=demo, user__email="operator@demo.test"
    )
    if connect_accounts:
        connect_demo_account(admin)
    for invoice, target in plan:
        _bring_link_to(invoice, target, admin, operator)

    # A second seller: its data must never show up for Demo Seller's staff. Its
    # add-on contract is canceled after its payments, which stay refundable.
    with transaction.atomic():
        other = _organization(
            OTHER_ORGANIZATION,
            contact_email="support@kita-supplies.example",
            contract_start=datetime(2025, 1, 1, tzinfo=tz),
        )
        Membership.objects.get_or_create(
            user=_user(OTHER_USER, language=Language.JAPANESE), organization=other, defaults={"role": Role.ADMIN}
        )
        other_buyers = _buyers(
            other,
            [
                ("北海道フーズ株式会社", "佐々木 翔", "keiri@hokkaido-foods.example", Language.JAPANESE),
                ("Sapporo Outdoor Gear", "Emma Wilson", "ap@sapporo-outdoor.example", Language.ENGLISH),
            ],
        )
        other_created, other_plan = _invoices(other, other_buyers, prefix="KITA-2026", count=20, first=None, rng=rng)
    other_admin = Membership.objects.select_related("organization", "user").get(organization=other)
    if connect_accounts:
        connect_demo_account(other_admin)
    for invoice, target in other_plan:
        _bring_link_to(invoice, target, other_admin, None)
    other.addon_contracts.filter(ends_at__isnull=True).update(ends_at=timezone.now())
    return DemoSummary(organization=demo, other_organization=other, invoices_created=created + other_created)
