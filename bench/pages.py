"""Pages beside their SQL floor and Django admin as the peer, on the million invoices of bench/invoice_list.py.

    make bench-pages              # or: DATABASE_URL=postgres://…/invoicedesk_bench python bench/pages.py

Uses (and the first time loads, through bench/invoice_list.py) the same database as `make bench`, then adds what
these pages need: two paid invoices with 10 and 10,000 Payment Transaction entries, 100,000 audit entries and an
admin. Each case is a whole request through Django (middleware, queries, template) timed PAGES_RUNS times (default
21): p50 / p95 / p99 in ms, beside its floor: the very statements the request ran (the session's renewal included),
replayed through a psycopg connection of its own (what the page costs without Python). Targets: p50 ≤ 2 × floor + 10
ms; the detail page as fast with 10,000 entries as with 10; the Bill-to search ≥ 10 × faster than Django admin's
changelist (search_fields and list_filter as an admin would set them). The CSV export runs in a process of its own,
so its peak RSS (ru_maxrss) is its own: 10,000 and 100,000 rows must peak alike (constant memory).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "invoicedesk.settings")
os.environ.setdefault("INVOICEDESK_ENV", "development")  # this driver runs on a development machine
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicedesk_bench")
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory

from bench import invoice_list  # noqa: E402 - after sys.path
from bench.support import percentiles, print_table  # noqa: E402

RUNS = int(os.environ.get("PAGES_RUNS", "21"))
ADMIN_RUNS = max(3, RUNS // 4)
# 50 fills one window of the Payment Transaction tab (payments.selectors.HISTORY_WINDOW): 10,000 must cost the same.
HISTORY_LENGTHS = (10, 50, 10_000)
AUDIT_ENTRIES = 100_000
ORG_NAME = "Bench Seller K.K."
ADMIN_EMAIL = "bench-admin@bench.test"
# Issue dates of the 1,000,000 loaded invoices cycle over 2,800 days: 280 days hold 100,000 of them.
CSV_RANGES = {10_000: ("2019-01-01", "2019-01-28"), 100_000: ("2019-01-01", "2019-10-07")}


def ensure_page_data(org_id: int) -> tuple[int, dict[int, int]]:
    """An admin member, AUDIT_ENTRIES audit entries and an invoice per history length; returns the admin's id
    and {history length: invoice id}. Rows are added with INSERT … SELECT (history and audit are append-only)."""
    from django.db import connection

    from invoicedesk.accounts.models import Membership, Role, User
    from invoicedesk.audit.models import AuditEntry
    from invoicedesk.billing.models import BillingInvoice
    from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus

    admin = User.objects.filter(email=ADMIN_EMAIL).first() or User.objects.create_user(ADMIN_EMAIL, "x")
    if not admin.is_superuser:
        User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    Membership.objects.get_or_create(user=admin, organization_id=org_id, defaults={"role": Role.ADMIN})
    with connection.cursor() as cur:
        have = AuditEntry.objects.filter(organization_id=org_id).count()
        if have < AUDIT_ENTRIES:
            cur.execute(
                """
                INSERT INTO audit_auditentry
                    (organization_id, actor_id, action, object_type, object_id, before, after, ip_address, created_at)
                SELECT %s, %s, 'payment.record', 'payments.PaymentLink', i::text, '{}', '{"status": "PAID"}',
                       '192.0.2.1', now() - (i || ' seconds')::interval
                FROM generate_series(1, %s) AS i
                """,
                [org_id, admin.pk, AUDIT_ENTRIES - have],
            )
    invoices = {}
    for length in HISTORY_LENGTHS:
        number = f"INV-HIST-{length:06d}"
        invoice = BillingInvoice.objects.filter(organization_id=org_id, number=number).first()
        if invoice is None:
            sample = BillingInvoice.objects.filter(organization_id=org_id).first()
            assert sample is not None
            invoice = BillingInvoice.objects.create(
                organization_id=org_id,
                number=number,
                buyer_id=sample.buyer_id,
                issue_date=sample.issue_date,
                due_date=sample.due_date,
                amount=110_000,
                currency="JPY",
                payment_method="online_payment_link",
            )
            from django.utils import timezone

            PaymentLink.objects.create(
                invoice=invoice,
                status=PaymentLinkStatus.PAID,
                expires_at=timezone.now(),
                amount_paid=110_000,
                paid_currency="JPY",
                paid_at=timezone.now(),
            )
            with connection.cursor() as cur:
                cur.execute(
                    """
                    INSERT INTO payments_paymenttransaction
                        (organization_id, payment_link_id, kind, amount, currency, status, stripe_reference,
                         actor_label, message_parts, created_at)
                    SELECT %s, l.id, 'REFUND', 100, 'JPY', 'SUCCEEDED', 're_bench_' || i, 'Stripe',
                           '[["paid_by_card", {"charge": "ch_bench"}]]', now() - (i || ' minutes')::interval
                    FROM payments_paymentlink l, generate_series(1, %s) AS i
                    WHERE l.invoice_id = %s
                    """,
                    [org_id, length, invoice.pk],
                )
        invoices[length] = invoice.pk
    with connection.cursor() as cur:
        cur.execute("ANALYZE payments_paymenttransaction; ANALYZE audit_auditentry")
    return admin.pk, invoices


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm the caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def csv_child(params: str) -> None:
    """In a process of its own: one CSV export through Django; prints rows, seconds and peak RSS as JSON."""
    import django

    django.setup()
    from django.test import Client

    from invoicedesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=ADMIN_EMAIL))
    client.get("/billing/?number=INV-0000001")  # imports, templates, connection: what every process has
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    response: Any = client.get("/billing/invoices.csv?" + params)
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": lines - 1, "seconds": seconds, "rss_kb": peak, "grew_kb": peak - before}))


def run_csv_child(params: str) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - this script, in a process of its own
        [sys.executable, __file__, "--csv-child", params], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    invoice_list.ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from invoicedesk.accounts.models import Organization, User
    from invoicedesk.billing.models import BillingInvoice
    from invoicedesk.billing.selectors import Cursor

    call_command("migrate", verbosity=0)
    org, _ = Organization.objects.get_or_create(name=ORG_NAME)
    loaded = BillingInvoice.objects.filter(organization=org).exclude(number__startswith="INV-HIST-").count()
    if loaded < invoice_list.INVOICES:
        BillingInvoice.objects.filter(organization=org).delete()
        org.buyers.all().delete()
        print(f"Loading {invoice_list.INVOICES:,} invoices (bench/invoice_list.py)…", flush=True)
        invoice_list.load(org.pk)
        loaded = BillingInvoice.objects.filter(organization=org).exclude(number__startswith="INV-HIST-").count()
    admin_id, history_invoices = ensure_page_data(org.pk)
    client = Client()
    client.force_login(User.objects.get(pk=admin_id))
    floor_conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)

    with connection.cursor() as cur:
        cur.execute(
            "SELECT issue_date, id FROM billing_billinginvoice WHERE organization_id = %s "
            "ORDER BY issue_date DESC, id DESC OFFSET %s LIMIT 1",
            [org.pk, 499 * 50 - 1],
        )
        row = cur.fetchone()
    page_500 = "/billing/?after=" + Cursor(str(row[0]), row[1]).encode() if row else "/billing/"

    def get(url: str, expect: str = "") -> Callable[[], object]:
        def fetch() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if expect:
                assert expect.encode() in response.content, (url, expect)
            return response

        return fetch

    def replay(url: str) -> Callable[[], object]:
        """The floor: the statements the page ran, through psycopg."""
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        # Every statement but the transaction brackets: in autocommit, the session's UPDATE (each request renews
        # the idle timeout) commits on its own, as it does in the page.
        brackets = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
        statements = [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(brackets)]

        def run() -> object:
            with floor_conn.cursor() as cur:
                for sql in statements:
                    cur.execute(sql.encode())
                    if cur.description:
                        cur.fetchall()
            return None

        return run

    detail = "/billing/invoices/{}/?tab=transactions"
    cases: list[tuple[str, str, str]] = [
        ("list, first page", "/billing/", "INV-"),
        ("list, 500th page by cursor", page_500, "INV-"),
        ("list, Bill to 'sakura' (partial)", "/billing/?bill_to=sakura", "Sakura"),
        *[(f"detail, {n:,} history entries", detail.format(history_invoices[n]), "re_bench_") for n in HISTORY_LENGTHS],
        # Any entries: the newest page holds this benchmark's own sign-ins after a few runs (audit rows stay).
        (f"Audit log, {AUDIT_ENTRIES:,} entries", "/billing/audit/", 'class="mono message-cell"'),
    ]
    rows: list[list[object]] = []
    p50s: dict[str, float] = {}
    for name, url, expect in cases:
        app = percentiles(timed(get(url, expect), RUNS))
        floor = percentiles(timed(replay(url), RUNS))
        p50s[name] = app[0]
        verdict = "ok" if app[0] <= 2 * floor[0] + 10 else "MISSED"
        rows.append([name, *app, floor[0], f"{app[0] / floor[0]:.1f}×", verdict])
    admin_url = "/admin/billing/billinginvoice/?q=sakura"
    admin = percentiles(timed(get(admin_url, "Sakura"), ADMIN_RUNS))
    admin_floor = percentiles(timed(replay(admin_url), ADMIN_RUNS))
    rows.append(["peer: Django admin changelist, q=sakura", *admin, admin_floor[0], "", ""])
    version = connection.cursor().connection.info.server_version // 10000
    print_table(
        f"Pages, {loaded:,} invoices, PostgreSQL {version}, {RUNS} requests each (admin {ADMIN_RUNS}); "
        "floor = the page's own statements through psycopg (p50)",
        ["page", "p50 ms", "p95 ms", "p99 ms", "floor p50 ms", "× floor", "≤ 2×floor+10"],
        rows,
    )
    sakura = p50s["list, Bill to 'sakura' (partial)"]
    long, window, short = (p50s[f"detail, {n:,} history entries"] for n in (10_000, 50, 10))
    print(f"\nBill to 'sakura': {admin[0] / sakura:.1f}× faster than Django admin's changelist (target ≥ 10×)")
    print(
        f"Detail page, 10,000 entries / 50 entries (one full window each): {long / window:.2f} (target ≈ 1: "
        f"independent of the history); / 10 entries: {long / short:.2f} (40 rows fewer to show)"
    )

    csv_rows = []
    for size, (start, end) in CSV_RANGES.items():
        result = run_csv_child(f"issued_from={start}&issued_to={end}")
        label = f"CSV export, {result['rows']:,} rows (~{size:,} wanted)"
        csv_rows.append([label, result["seconds"], result["rss_kb"] / 1024, result["grew_kb"] / 1024])
    print_table(
        "CSV export, each in a process of its own",
        ["export", "seconds", "peak RSS MB", "grew during export MB"],
        csv_rows,
    )
    floor_conn.close()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--csv-child":
        csv_child(sys.argv[2])
    else:
        main()
