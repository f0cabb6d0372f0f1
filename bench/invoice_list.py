"""List-page timings of Billing Management on a million invoices (PostgreSQL).

    make bench                       # or: DATABASE_URL=postgres://… python bench/invoice_list.py

Creates the database named in DATABASE_URL if missing, loads 1,000,000 invoices
for one organization the first time (about a minute), then times the invoice
list page through Django's test client — the whole request: middleware,
queries, template — for the searches operators make. It also times what the
page avoids: an exact COUNT over every invoice and a deep OFFSET.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoicedesk.settings")
os.environ.setdefault("INVOICEDESK_ENV", "development")  # this driver runs on a development machine
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicedesk_bench")

INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
BUYERS = 5000
RUNS = 7


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def load(org_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO billing_buyer
                (organization_id, company_name, contact_name, email, language, invoice_registration_number)
            SELECT %s,
                   CASE WHEN i = 1 THEN 'Sakura Trading Co., Ltd.'
                        WHEN i %% 2 = 0 THEN 'Buyer ' || i || ' Trading Co., Ltd.'
                        ELSE '株式会社' || chr(12450 + (i %% 80)) || chr(12450 + (i %% 37)) || i || '商事' END,
                   'Contact ' || i, 'ap' || i || '@buyer.example',
                   CASE WHEN i %% 2 = 0 THEN 'en' ELSE 'ja' END, ''
            FROM generate_series(1, %s) AS i
            """,
            [org_id, BUYERS],
        )
        cur.execute("SELECT min(id) FROM billing_buyer WHERE organization_id = %s", [org_id])
        first_buyer = cur.fetchone()[0]
        cur.execute(
            """
            INSERT INTO billing_billinginvoice
                (organization_id, number, buyer_id, issue_date, due_date, amount, currency, payment_method, created_at)
            SELECT %s, 'INV-' || lpad(i::text, 7, '0'), %s + ((i::bigint * 7919) %% %s),
                   date '2019-01-01' + (i %% 2800), date '2019-01-01' + (i %% 2800) + 30,
                   1000 + ((i::bigint * 104729) %% 2000000), 'JPY',
                   CASE WHEN i %% 10 < 7 THEN 'online_payment_link'
                        WHEN i %% 10 < 9 THEN 'bank_transfer' ELSE 'card_at_order' END,
                   now()
            FROM generate_series(1, %s) AS i
            """,
            [org_id, first_buyer, BUYERS, INVOICES],
        )
        cur.execute(
            """
            INSERT INTO payments_paymentlink
                (invoice_id, token, status, expires_at, stripe_payment_intent_id, stripe_charge_id,
                 amount_paid, amount_refunded, paid_at, created_at, review_note, paid_currency, card_brand, card_last4)
            SELECT id, md5(id::text) || id,
                   s.status, now() + interval '30 days', '', '',
                   CASE WHEN s.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') THEN amount ELSE 0 END,
                   CASE s.status WHEN 'PARTIALLY_REFUNDED' THEN amount / 5 WHEN 'REFUNDED' THEN amount ELSE 0 END,
                   CASE WHEN s.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') THEN now() END,
                   now(), '',
                   CASE WHEN s.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED') THEN inv.currency ELSE '' END,
                   '', ''
            FROM billing_billinginvoice inv
            CROSS JOIN LATERAL (SELECT abs(hashtext(inv.id::text)) %% 20 AS bucket) h
            CROSS JOIN LATERAL (SELECT CASE
                WHEN h.bucket < 7 THEN 'UNPAID' WHEN h.bucket < 16 THEN 'PAID'
                WHEN h.bucket = 16 THEN 'PARTIALLY_REFUNDED' WHEN h.bucket = 17 THEN 'REFUNDED'
                WHEN h.bucket = 18 THEN 'EXPIRED' ELSE 'CANCELED' END AS status) s
            WHERE inv.organization_id = %s AND inv.payment_method = 'online_payment_link'
            """,
            [org_id],
        )
        cur.execute("ANALYZE")
    fill_payments(org_id)


def fill_payments(org_id: int) -> None:
    """Stripe ids and the card's last four digits on every paid link (also for a database loaded before they were)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE payments_paymentlink l
            SET stripe_payment_intent_id = 'pi_' || substr(md5('pi' || l.id::text), 1, 24),
                stripe_charge_id = 'ch_' || substr(md5('ch' || l.id::text), 1, 24),
                card_brand = 'visa', card_last4 = lpad(((l.id::bigint * 7919) %% 10000)::text, 4, '0')
            FROM billing_billinginvoice inv
            WHERE inv.id = l.invoice_id AND inv.organization_id = %s AND l.stripe_payment_intent_id = ''
              AND l.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')
            """,
            [org_id],
        )
        if cur.rowcount:
            cur.execute("ANALYZE payments_paymentlink")


def sql_floor(fn: Callable[[], object]) -> float:
    """The median time of the search's SQL, replayed straight on the database: what no code around it can beat."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    # The search's own queries (sessions and users left out).
    statements = [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and "billing_" in q["sql"]
    ]

    def replay() -> object:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
                cur.fetchall()
        return None

    return timed(replay)[0]


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    fn()  # warm the caches
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from invoicedesk.accounts.models import Membership, Organization, Role, User
    from invoicedesk.billing.models import BillingInvoice

    setup_test_environment()  # so responses carry their template context
    call_command("migrate", verbosity=0)
    org, _ = Organization.objects.get_or_create(name="Bench Seller K.K.")
    loaded = BillingInvoice.objects.filter(organization=org).count()
    if loaded >= INVOICES:
        fill_payments(org.pk)
    if loaded < INVOICES:
        BillingInvoice.objects.filter(organization=org).delete()
        org.buyers.all().delete()
        print(f"Loading {INVOICES:,} invoices…", flush=True)
        start = time.perf_counter()
        load(org.pk)
        print(f"  loaded in {time.perf_counter() - start:.0f} s", flush=True)
    user = User.objects.filter(email="bench@bench.test").first() or User.objects.create_user("bench@bench.test", "x")
    Membership.objects.get_or_create(user=user, organization=org, defaults={"role": Role.VIEWER})
    client = Client()
    client.force_login(user)

    def page(params: dict[str, str | list[str]]) -> Callable[[], object]:
        url = "/billing/?" + urlencode(params, doseq=True)

        def get() -> object:
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            assert response.context["page"] is not None, response.context["form"].errors
            return response

        return get

    def deep_page(pages: int) -> Callable[[], object]:
        def walk() -> object:
            url = "/billing/"
            for _ in range(pages):
                response = client.get(url)
                url = "/billing/?after=" + response.context["page"].next_cursor.encode()
            return response

        return walk

    def export_lines(params: dict[str, str]) -> int:
        response: Any = client.get("/billing/invoices.csv?" + urlencode(params))
        return len(b"".join(response.streaming_content).splitlines())

    cases: list[tuple[str, Callable[[], object]]] = [
        ("first page, newest first", page({})),
        ("sorted by Billing Amount, ascending", page({"sort": "amount"})),
        ("sorted by Due date, descending", page({"sort": "-due_date"})),
        ("Billing Invoice No. prefix 'INV-00012'", page({"number": "INV-00012"})),
        ("Billing Invoice No. exact", page({"number": "INV-0765432"})),
        ("Bill to 'sakura' (rare: 200 rows)", page({"bill_to": "sakura"})),
        ("Bill to 'trading' (common: half)", page({"bill_to": "trading"})),
        ("Bill to '商事' (Japanese, 2 characters)", page({"bill_to": "商事"})),
        ("issue date, one month", page({"issued_from": "2024-03-01", "issued_to": "2024-03-31"})),
        ("Billing Amount 100,000-110,000", page({"amount_min": "100000", "amount_max": "110,000"})),
        ("status PARTIALLY REFUNDED + REFUNDED", page({"status": ["PARTIALLY_REFUNDED", "REFUNDED"]})),
        ("status REFUNDED, sorted by amount", page({"status": "REFUNDED", "sort": "-amount"})),
        ("payment method bank transfer", page({"payment_method": "bank_transfer"})),
        ("pages 1-20 by Next (20 requests in all)", deep_page(20)),
    ]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT l.stripe_payment_intent_id, l.card_last4, inv.amount FROM payments_paymentlink l "
            "JOIN billing_billinginvoice inv ON inv.id = l.invoice_id "
            "WHERE inv.organization_id = %s AND l.stripe_payment_intent_id <> '' ORDER BY l.id LIMIT 1 OFFSET 4321",
            [org.pk],
        )
        intent, last4, amount = cur.fetchone()
    searches: list[tuple[str, Callable[[], object]]] = [
        ("Search '0001' (number part)", page({"q": "0001"})),
        ("Search 'sakura' (company part, rare)", page({"q": "sakura"})),
        ("Search 'trading' (company part, half)", page({"q": "trading"})),
        ("Search 'ap4321@' (email part)", page({"q": "ap4321@"})),
        ("Search the pi_ id of one payment", page({"q": intent})),
        (f"Search exact amount '¥{amount:,}'", page({"q": f"¥{amount:,}"})),
        (f"Search card last4 '{last4}'", page({"q": last4})),
        ("Search 'trading', sorted by amount", page({"q": "trading", "sort": "amount"})),
    ]
    print(
        f"\nBilling Management list page, {loaded or INVOICES:,} invoices, PostgreSQL "
        f"{connection.cursor().connection.info.server_version // 10000}, median and worst of {RUNS} requests (ms):"
    )
    print(f"  {'search':<46} {'median':>8} {'worst':>8}")
    for name, fn in cases:
        median, worst = timed(fn)
        print(f"  {name:<46} {median:8.1f} {worst:8.1f}", flush=True)

    print("\nThe Search box: the page, and beside it the SQL floor (its queries replayed raw) (ms):")
    print(f"  {'search':<46} {'median':>8} {'worst':>8} {'SQL floor':>10}")
    for name, fn in searches:
        median, worst = timed(fn)
        print(f"  {name:<46} {median:8.1f} {worst:8.1f} {sql_floor(fn):10.1f}", flush=True)

    rows = export_lines({"status": "REFUNDED"}) - 1  # minus the header
    median, worst = timed(lambda: export_lines({"status": "REFUNDED"}))
    print(f"  {'CSV export, status REFUNDED (' + format(rows, ',') + ' rows)':<46} {median:8.1f} {worst:8.1f}")

    print("\nWhat the page avoids (same database, raw SQL):")
    with connection.cursor() as cur:

        def exact_count() -> object:
            cur.execute("SELECT count(*) FROM billing_billinginvoice WHERE organization_id = %s", [org.pk])
            return cur.fetchone()

        def deep_offset() -> object:
            cur.execute(
                "SELECT id FROM billing_billinginvoice WHERE organization_id = %s "
                "ORDER BY issue_date DESC, id DESC LIMIT 50 OFFSET 500000",
                [org.pk],
            )
            return cur.fetchall()

        avoided = [("exact COUNT(*) of all invoices", exact_count), ("OFFSET 500,000 (page 10,001)", deep_offset)]
        for name, fn in avoided:
            median, worst = timed(fn)
            print(f"  {name:<46} {median:8.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
