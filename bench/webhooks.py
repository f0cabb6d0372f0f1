"""Stripe webhooks: intake on the production server, then processing by 1 and 4 worker processes (PostgreSQL).

    make bench-webhooks          # or: DATABASE_URL=postgres://…/invoicedesk_bench_webhooks python bench/webhooks.py

Recreates the database the URL names and migrates it. Then:

1. Intake. gunicorn runs as the Procfile's `web` line (3 sync workers, INVOICEDESK_ENV=production). 16 client
   threads POST signed `payment_intent.succeeded` events, 20 % of them repeats of an event already sent (Stripe
   delivers at least once). Beside it, the same load on a bare WSGI app on the same gunicorn, and the same rows
   INSERTed by 16 threads through psycopg: the floors. Every event must be stored once and answered once "ok".
2. Processing. Events are queued (20 % repeats again), then `manage.py run_worker --no-jobs` runs with 1 and with
   4 processes on its own batch until every event is processed; beside it, the floor: the same handler called in
   one process, without the queue. Each batch is then counted: every link paid once, one payment history row
   each, every event PROCESSED once.

WEBHOOK_REQUESTS (default 3000) sets the intake's size, WEBHOOK_EVENTS (default 2000) each processing batch
(0: intake only).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicedesk_bench_webhooks")
os.environ["DJANGO_SETTINGS_MODULE"] = "invoicedesk.settings"
os.environ.setdefault("INVOICEDESK_ENV", "development")  # this driver runs on a development machine
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory

from bench.support import (  # noqa: E402 - after sys.path
    WEBHOOK_SECRET,
    CpuMeter,
    CpuSampler,
    Server,
    Span,
    percentiles,
    print_table,
    production_env,
    recreate_database,
    run_workers_until,
)
from tests.stripe_support import signature_header  # noqa: E402

os.environ["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET

REQUESTS = int(os.environ.get("WEBHOOK_REQUESTS", "3000"))
EVENTS = int(os.environ.get("WEBHOOK_EVENTS", "2000"))
THREADS = 16
DUPLICATES = 0.20
WORKER_COUNTS = (1, 4)
AMOUNT = 110_000
BARE_STORING = "bare WSGI app + signature check + INSERT via psycopg"
APP = "invoicedesk /stripe/webhook/ (verify + store once)"


@dataclass
class Batch:
    name: str
    link_ids: list[int]
    events: list[tuple[str, bytes]]  # (event id, payload), repeats included

    @property
    def unique(self) -> int:
        return len({event_id for event_id, _ in self.events})


def seed_batch(name: str, count: int) -> Batch:
    """`count` unpaid invoices with links, and a signed-ready `payment_intent.succeeded` event for each, 20 %
    of them sent twice (the repeat right after its first delivery, somewhere later in the stream)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from invoicedesk.accounts.models import Organization
    from invoicedesk.billing.models import BillingInvoice, Buyer, PaymentMethod
    from invoicedesk.payments.models import PaymentLink

    org = Organization.objects.get(name="Bench Seller K.K.")
    buyer = Buyer.objects.filter(organization=org).first()
    invoices = BillingInvoice.objects.bulk_create(
        BillingInvoice(
            organization=org,
            number=f"WH-{name}-{i:06d}",
            buyer=buyer,
            issue_date=date(2026, 11, 1),
            due_date=date(2026, 12, 1),
            amount=AMOUNT,
            currency="JPY",
            payment_method=PaymentMethod.ONLINE_PAYMENT_LINK,
        )
        for i in range(count)
    )
    expires = timezone.now() + timedelta(days=30)
    links = PaymentLink.objects.bulk_create(
        PaymentLink(invoice=inv, expires_at=expires, stripe_payment_intent_id=f"pi_{name}_{inv.pk}") for inv in invoices
    )
    firsts: list[tuple[str, bytes]] = []
    for link, inv in zip(links, invoices, strict=True):
        intent = {
            "id": f"pi_{name}_{inv.pk}",
            "object": "payment_intent",
            "amount": AMOUNT,
            "amount_received": AMOUNT,
            "currency": "jpy",
            "status": "succeeded",
            "latest_charge": f"ch_{name}_{inv.pk}",
            "metadata": {
                "payment_link_id": str(link.pk),
                "invoice_id": str(inv.pk),
                "organization_id": str(org.pk),
            },
        }
        event_id = f"evt_{name}_{inv.pk}"
        payload = {
            "id": event_id,
            "object": "event",
            "type": "payment_intent.succeeded",
            "created": int(time.time()),
            "api_version": "2025-01-27.acacia",
            "data": {"object": intent},
            "livemode": False,
        }
        firsts.append((event_id, json.dumps(payload).encode()))
    rng = random.Random(11)
    stream = list(firsts)
    repeats = int(len(firsts) * DUPLICATES / (1 - DUPLICATES))
    for index in sorted(rng.sample(range(len(firsts)), repeats), reverse=True):
        stream.insert(rng.randint(index + 1, len(stream)), firsts[index])
    return Batch(name, [link.pk for link in links], stream)


# ---------------------------------------------------------------- intake


def post_events(
    port: int, events: Sequence[tuple[str, bytes]], method: str = "POST"
) -> tuple[float, list[float], Counter[str]]:
    """16 threads POST the events in order (each takes the next); returns wall seconds, latencies (ms), answers.
    With method GET the endpoint answers 405 at once: Django's request cycle without verification or database."""
    latencies: list[float] = []
    answers: Counter[str] = Counter()
    lock = threading.Lock()
    cursor = iter(events)

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                break
            _, body = item
            headers = {"Content-Type": "application/json", "Stripe-Signature": signature_header(body, WEBHOOK_SECRET)}
            start = time.perf_counter()
            try:
                conn.request(method, "/stripe/webhook/", body, headers)
                response = conn.getresponse()
                text = response.read().decode()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request(method, "/stripe/webhook/", body, headers)
                response = conn.getresponse()
                text = response.read().decode()
            elapsed = (time.perf_counter() - start) * 1000
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
            with lock:
                latencies.append(elapsed)
                answers[f"{response.status} {text}"] += 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, answers


def psycopg_inserts(url: str, events: Sequence[tuple[str, bytes]], meter: CpuMeter) -> tuple[float, list[float]]:
    """The floor of durable storage: one INSERT … ON CONFLICT DO NOTHING per event, autocommit, 16 threads;
    `meter` is stopped when the last is done, while the threads' connections are open."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor_event")
        conn.execute(
            "CREATE TABLE bench_floor_event (id bigserial PRIMARY KEY, stripe_id varchar(255) UNIQUE, "
            "type varchar(100), payload jsonb, received_at timestamptz DEFAULT now())"
        )
    latencies: list[float] = []
    lock = threading.Lock()
    cursor = iter(events)

    def client() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while True:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    # Connections stay open until the meter has read their backends' CPU.
                    finished.wait()
                    release.wait()
                    return
                event_id, body = item
                start = time.perf_counter()
                conn.execute(
                    "INSERT INTO bench_floor_event (stripe_id, type, payload) VALUES (%s, %s, %s) "
                    "ON CONFLICT (stripe_id) DO NOTHING",
                    [event_id, "payment_intent.succeeded", body.decode()],
                )
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)

    finished, release = threading.Barrier(THREADS + 1), threading.Event()
    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    finished.wait()
    seconds = time.perf_counter() - start
    meter.stop()
    release.set()
    for thread in threads:
        thread.join()
    return seconds, latencies


# ---------------------------------------------------------------- processing


def queue_events(batch: Batch) -> None:
    """Stored and queued as the webhook view does, repeats included (they change nothing)."""
    from invoicedesk.stripe_integration import gateway
    from invoicedesk.stripe_integration.services import stripe_event_receive

    for _, body in batch.events:
        event = gateway.parse_webhook(
            payload=body, signature_header=signature_header(body, WEBHOOK_SECRET), secret=WEBHOOK_SECRET
        )
        stripe_event_receive(event=event)


def processed_span(batch: Batch) -> Span:
    from django.db.models import Count, Max, Min

    from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus

    events = StripeEvent.objects.filter(stripe_id__startswith=f"evt_{batch.name}_", status=StripeEventStatus.PROCESSED)
    span = events.aggregate(count=Count("pk"), first=Min("processed_at"), last=Max("processed_at"))
    return Span(span["count"], span["first"], span["last"])


def run_workers(batch: Batch, processes: int, database_url: str) -> tuple[Span, float]:
    """Start the worker processes on a queue holding the batch; returns (the span from the first to the last
    event processed, wall seconds including the workers' start)."""
    env = production_env(database_url, WORKER_TASK_TIMEOUT_SECONDS="300")
    wall = run_workers_until(
        processes, env, lambda: processed_span(batch).count >= batch.unique, what=f"the batch {batch.name}"
    )
    return processed_span(batch), wall


def process_in_process(batch: Batch) -> tuple[float, list[float]]:
    """The floor: the registered handlers called one event after another in this process, without the queue
    (no claim, no lease, no event read or marked by the worker; the events are marked done afterwards, untimed)."""
    from django.utils import timezone

    from invoicedesk.stripe_integration import gateway
    from invoicedesk.stripe_integration.handlers import webhook_handlers_for
    from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus

    seen: set[str] = set()
    events = []
    for event_id, body in batch.events:
        if event_id not in seen:
            seen.add(event_id)
            events.append(
                gateway.parse_webhook(
                    payload=body, signature_header=signature_header(body, WEBHOOK_SECRET), secret=WEBHOOK_SECRET
                )
            )
    latencies = []
    start = time.perf_counter()
    for event in events:
        one = time.perf_counter()
        for handler in webhook_handlers_for(event.type):
            handler(event)
        latencies.append((time.perf_counter() - one) * 1000)
    seconds = time.perf_counter() - start
    StripeEvent.objects.filter(stripe_id__in=seen).update(
        status=StripeEventStatus.PROCESSED, processed_at=timezone.now()
    )
    return seconds, latencies


def discard_queued_work() -> None:
    """Events stored by a phase that only measures intake are not processed later by a worker run."""
    from django.utils import timezone

    from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus

    discard_queued_work_of_tasks()
    StripeEvent.objects.filter(status=StripeEventStatus.RECEIVED).update(
        status=StripeEventStatus.IGNORED, processed_at=timezone.now()
    )


def check_exactly_once(batch: Batch) -> list[str]:
    from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind
    from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus

    problems = []
    stored = StripeEvent.objects.filter(stripe_id__startswith=f"evt_{batch.name}_")
    if stored.count() != batch.unique:
        problems.append(f"{batch.name}: {stored.count()} events stored, {batch.unique} sent")
    if stored.exclude(status=StripeEventStatus.PROCESSED).exists():
        problems.append(f"{batch.name}: events not PROCESSED")
    paid = PaymentLink.objects.filter(pk__in=batch.link_ids, status=PaymentLinkStatus.PAID).count()
    if paid != batch.unique:
        problems.append(f"{batch.name}: {paid} links PAID of {batch.unique}")
    history = PaymentTransaction.objects.filter(payment_link_id__in=batch.link_ids, kind=TransactionKind.PAYMENT)
    if history.count() != batch.unique:
        problems.append(f"{batch.name}: {history.count()} payment history rows for {batch.unique} payments")
    return problems


# ---------------------------------------------------------------- main


def main() -> None:
    database_url = os.environ["DATABASE_URL"]
    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from invoicedesk.accounts.models import AddonContract, Organization
    from invoicedesk.billing.models import Buyer
    from invoicedesk.stripe_integration.models import StripeEvent

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench Seller K.K.", currency="JPY")
    from datetime import timedelta

    from django.utils import timezone

    AddonContract.objects.create(organization=org, starts_at=timezone.now() - timedelta(days=365))
    Buyer.objects.create(organization=org, company_name="Sakura Trading Co., Ltd.", email="ap@sakura.example")
    pg_version = connection.cursor().connection.info.server_version // 10000
    problems: list[str] = []

    # 1. Intake
    load_before = os.getloadavg()
    unique = int(REQUESTS * (1 - DUPLICATES))
    intake = seed_batch("intake", unique)
    env = production_env(database_url)
    rows: list[list[object]] = []
    results: dict[str, float] = {}

    cpu_ms: dict[str, float] = {}

    def intake_row(name: str, seconds: float, latencies: list[float], accepted: int, meter: CpuMeter) -> None:
        p50, p95, p99 = percentiles(latencies)
        rate = accepted / seconds
        results[name] = rate
        per = [1000 * s / len(latencies) for s in (meter.server_seconds, meter.database_seconds, meter.client_seconds)]
        cpu_ms[name] = sum(per)
        cpu_ms[f"{name}, client"] = per[2]
        rows.append([name, len(latencies), rate, p50, p95, p99, *(f"{ms:.2f}" for ms in per)])

    bare = Server(env, app="bench.bare_wsgi:application").wait_ready()
    try:
        meter = CpuMeter(database_url, bare.process.pid).start()
        seconds, latencies, answers = post_events(bare.port, intake.events)
        meter.stop()
    finally:
        bare.stop()
    intake_row("bare WSGI app, same gunicorn (floor)", seconds, latencies, answers["200 ok"], meter)

    meter = CpuMeter(database_url).start()
    seconds, latencies = psycopg_inserts(database_url, intake.events, meter)
    intake_row("INSERT … ON CONFLICT via psycopg, 16 conns (floor)", seconds, latencies, len(latencies), meter)

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_floor_event")
    storing = Server(env, app="bench.bare_wsgi:storing_application").wait_ready()
    try:
        meter = CpuMeter(database_url, storing.process.pid).start()
        seconds, latencies, answers = post_events(storing.port, intake.events)
        meter.stop()
    finally:
        storing.stop()
    intake_row(BARE_STORING, seconds, latencies, answers["200 ok"] + answers["200 duplicate"], meter)

    server = Server(env).wait_ready("/accounts/login/")
    web_command = server.command
    try:
        meter = CpuMeter(database_url, server.process.pid).start()
        seconds, latencies, refused = post_events(server.port, intake.events, method="GET")
        meter.stop()
        meter_app = CpuMeter(database_url, server.process.pid).start()
        seconds_app, latencies_app, answers = post_events(server.port, intake.events)
        meter_app.stop()
    finally:
        server.stop()
    intake_row("Django's request cycle alone (GET → 405; no DB)", seconds, latencies, refused["405 "], meter)
    seconds, latencies = seconds_app, latencies_app
    intake_row(APP, seconds, latencies, sum(answers.values()), meter_app)
    stored = StripeEvent.objects.filter(stripe_id__startswith="evt_intake_").count()
    if answers["200 ok"] != intake.unique or answers["200 duplicate"] != len(intake.events) - intake.unique:
        problems.append(f"intake answers {dict(answers)}; expected {intake.unique} ok")
    if stored != intake.unique:
        problems.append(f"intake stored {stored} events of {intake.unique}")
    discard_queued_work()

    print_table(
        f"Webhook intake: {len(intake.events):,} signed events ({intake.unique:,} distinct, "
        f"{len(intake.events) - intake.unique:,} repeats), {THREADS} client threads, PostgreSQL {pg_version}, "
        f"`{web_command}` (the Procfile's web line)",
        ["path", "requests", "events/s", "p50 ms", "p95 ms", "p99 ms", "CPU ms/req: server", "PostgreSQL", "client"],
        rows,
    )
    app_rate = results[APP]
    load = os.getloadavg()
    print(
        f"\nLoad average before/after: {load_before[0]:.2f} / {load[0]:.2f} (1 min) on {os.cpu_count()} CPUs: "
        "a rate is this run's, on the machine as busy as that. CPU per request (server's processes, the "
        "PostgreSQL backends of this database, this load generator) moves far less with them (caches and "
        "switches still add some): "
        f"at {cpu_ms[APP]:.2f} ms of CPU in all per event, {os.cpu_count()} idle CPUs can take at most "
        f"{1000 * (os.cpu_count() or 1) / cpu_ms[APP]:,.0f} events/s (server and PostgreSQL alone: "
        f"{1000 * (os.cpu_count() or 1) / (cpu_ms[APP] - cpu_ms[f'{APP}, client']):,.0f}/s)."
    )
    print(
        f"\ninvoicedesk = {app_rate / results['bare WSGI app, same gunicorn (floor)']:.0%} of the bare WSGI app "
        f"(target ≥ 70 %), {app_rate / results[BARE_STORING]:.0%} of the bare app that verifies and stores as it "
        f"must; {app_rate:,.0f} events/s (target ≥ 1,000)"
    )

    # 2. Processing
    if EVENTS == 0:
        sys.exit(1 if problems else 0)
    rows = []
    cpus = CpuSampler().start()
    floor_batch = seed_batch("floor", EVENTS)
    queue_events(floor_batch)
    discard_queued_work_of_tasks()
    started = datetime.now(tz=UTC)
    seconds, latencies = process_in_process(floor_batch)
    floor_busy = cpus.cores_busy(Span(floor_batch.unique, started, datetime.now(tz=UTC)))
    floor_rate = floor_batch.unique / seconds
    p50, p95, p99 = percentiles(latencies)
    rows.append(
        [
            "handlers called in one process, no queue (floor)",
            floor_batch.unique,
            floor_rate,
            p50,
            p95,
            p99,
            "1.00",
            f"{floor_busy:.1f}",
        ]
    )
    problems += check_exactly_once(floor_batch)
    for processes in WORKER_COUNTS:
        batch = seed_batch(f"w{processes}", EVENTS)
        queue_events(batch)
        span, wall = run_workers(batch, processes, database_url)
        rate = (batch.unique - 1) / span.seconds if span.seconds else float("inf")
        per_event = 1000 * processes / rate
        rows.append(
            [
                f"run_worker × {processes} (wall {wall:.1f} s with start-up)",
                batch.unique,
                rate,
                per_event,
                "",
                "",
                f"{rate / floor_rate:.2f}",
                f"{cpus.cores_busy(span):.1f}",
            ]
        )
        results[f"w{processes}"] = rate
        problems += check_exactly_once(batch)
    print_table(
        f"Webhook processing: {EVENTS:,} payment_intent.succeeded per run (+20 % repeats queued), "
        "from first to last event processed",
        [
            "processing",
            "events",
            "events/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "× floor",
            f"CPUs busy (of {os.cpu_count()})",
        ],
        rows,
    )
    print(
        f"\n4 workers: {results['w4']:,.0f} events/s (target ≥ 500), "
        f"{results['w4'] / results['w1']:.2f}× one worker. Worker rows' p50 is ms of worker time per event."
    )
    print("\nExactly once: " + ("every event stored once, applied once (counted)" if not problems else "FAILED"))
    for problem in problems:
        print("  " + problem)
    sys.exit(1 if problems else 0)


def discard_queued_work_of_tasks() -> None:
    """Jobs of the queue (procrastinate's tables) left by a phase are not run by a later one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_periodic_defers")
        cursor.execute("DELETE FROM procrastinate_jobs")


if __name__ == "__main__":
    main()
