"""Demo data for `make run` and the browser tests. Idempotent: run it as often as you like."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from invoicedesk.accounts.models import AddonContract, Language, Membership, Organization, Role, User
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind

from .models import BillingInvoice, Buyer, PaymentMethod

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

# Share of online payment link invoices per link status.
LINK_STATUS_WEIGHTS: dict[PaymentLinkStatus, int] = {
    PaymentLinkStatus.UNPAID: 35,
    PaymentLinkStatus.PAID: 40,
    PaymentLinkStatus.PARTIALLY_REFUNDED: 8,
    PaymentLinkStatus.REFUNDED: 5,
    PaymentLinkStatus.EXPIRED: 7,
    PaymentLinkStatus.CANCELLED: 5,
}


@dataclass(frozen=True)
class DemoSummary:
    organization: Organization
    other_organization: Organization
    invoices_created: int


def _user(email: str, *, language: str = "") -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, language=language)
    return user


def _organization(
    name: str, *, contact_email: str, contract_start: datetime, contract_end: datetime | None
) -> Organization:
    organization, _ = Organization.objects.get_or_create(
        name=name, defaults={"currency": "JPY", "contact_email": contact_email}
    )
    AddonContract.objects.get_or_create(
        organization=organization, starts_at=contract_start, defaults={"ends_at": contract_end}
    )
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


def _invoices(
    organization: Organization,
    buyers: list[Buyer],
    *,
    prefix: str,
    count: int,
    first: tuple[Buyer, int, str] | None,
    rng: random.Random,
) -> int:
    existing = set(BillingInvoice.objects.filter(organization=organization).values_list("number", flat=True))
    contract = organization.addon_contracts.order_by("starts_at").first()
    created = 0
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
        if number in existing:
            continue
        invoice = BillingInvoice.objects.create(
            organization=organization,
            number=number,
            buyer=buyer,
            issue_date=issue,
            due_date=issue + timedelta(days=30),
            amount=amount,
            currency=organization.currency,
            payment_method=method,
        )
        created += 1
        if method == PaymentMethod.ONLINE_PAYMENT_LINK:
            _link(invoice, status, contract)
    return created


def _link(invoice: BillingInvoice, status: PaymentLinkStatus, contract: AddonContract | None) -> None:
    issued_at = timezone.make_aware(datetime.combine(invoice.issue_date, datetime.min.time()))
    link = PaymentLink(invoice=invoice, expires_at=issued_at + timedelta(days=45), status=status)
    if status in PaymentLinkStatus.settled():
        link.amount_paid = invoice.amount
        link.paid_at = issued_at + timedelta(days=3, hours=10)
        link.addon_contract = contract
        link.amount_refunded = {
            PaymentLinkStatus.PAID: 0,
            PaymentLinkStatus.PARTIALLY_REFUNDED: invoice.amount // 5,
            PaymentLinkStatus.REFUNDED: invoice.amount,
        }[status]
    link.save()
    PaymentTransaction.objects.create(
        organization_id=invoice.organization_id,
        payment_link=link,
        kind=TransactionKind.LINK_ISSUED,
        currency=invoice.currency,
        amount=invoice.amount,
        status=PaymentLinkStatus.UNPAID,
        actor_label="Demo data",
        created_at=issued_at,
    )
    if link.paid_at is not None:
        PaymentTransaction.objects.create(
            organization_id=invoice.organization_id,
            payment_link=link,
            kind=TransactionKind.PAYMENT,
            currency=invoice.currency,
            amount=link.amount_paid,
            status=PaymentLinkStatus.PAID,
            actor_label="Demo data",
            message="Recorded by seed_demo, not paid through Stripe.",
            created_at=link.paid_at,
        )


@transaction.atomic
def seed_demo() -> DemoSummary:
    rng = random.Random(2026)
    tz = timezone.get_current_timezone()
    demo = _organization(
        DEMO_ORGANIZATION,
        contact_email="support@demo-seller.example",
        contract_start=datetime(2025, 4, 1, tzinfo=tz),
        contract_end=None,
    )
    for email, role in DEMO_USERS.items():
        Membership.objects.get_or_create(user=_user(email), organization=demo, defaults={"role": role})
    buyers = _buyers(demo, BUYERS)
    created = _invoices(
        demo,
        buyers,
        prefix="INV-2026",
        count=INVOICE_COUNT,
        first=(buyers[0], 110_000, PaymentMethod.ONLINE_PAYMENT_LINK),
        rng=rng,
    )

    # A second seller whose add-on contract was cancelled: its data must never
    # show up for Demo Seller's staff.
    other = _organization(
        OTHER_ORGANIZATION,
        contact_email="support@kita-supplies.example",
        contract_start=datetime(2025, 1, 1, tzinfo=tz),
        contract_end=datetime(2026, 9, 30, tzinfo=tz),
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
    created += _invoices(other, other_buyers, prefix="KITA-2026", count=20, first=None, rng=rng)
    return DemoSummary(organization=demo, other_organization=other, invoices_created=created)
