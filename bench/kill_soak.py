"""Kill soak: workers die at random (kill -9) while refunds and buyer emails are in flight. Nothing may be lost
and no refund may be made twice.

    .venv/bin/python bench/kill_soak.py     # or: DATABASE_URL=postgres://… SOAK_INVOICES=12 SOAK_KILLS=16 …

Drops and recreates its own PostgreSQL database (`invoicedesk_soak` unless DATABASE_URL names another) and runs
`manage.py migrate`. Starts its own localstripe, the Stripe-like proxy of the fault tests in front of it
(idempotent replay of keys, as Stripe does; each refund's answer held HOLD_REFUND_SECONDS so kills land while a
worker waits for Stripe) and an SMTP server in this process that records every message with its Message-ID
(each DATA answered after SMTP_HOLD_SECONDS, so kills land mid-email). Pays SOAK_INVOICES invoices through
localstripe and requests one partial refund of each (the tasks go to the database). Then runs two
`manage.py run_worker` processes and, every 1–2 s, kill -9s one at random of those past their start (in their
job loop; none yet, no kill that time) and starts a replacement, SOAK_KILLS times or until everything is
settled; the two workers left then run, unkilled, until every refund is final and every buyer email SENT (at
most SOAK_SETTLE_SECONDS). Prints what Stripe, the SMTP server and our records say beside what they must say,
and exits 1 if a refund is doubled or lost, an email is lost, or our records disagree with Stripe. Takes about
half a minute with the defaults (longer on a crowded machine, where workers start slowly).

The database is given a recent nightly ReconciliationRun, as a running system has: otherwise the first worker
would start a full reconciliation, which settles every refund from Stripe's list and hides what the lease and
recovery jobs do. SOAK_SEED repeats a run's choices of victims and pauses; SOAK_KEEP_LOGS=1 keeps the workers'
logs (they are always kept, and their path printed, when the soak fails).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicedesk_soak")
os.environ["DJANGO_SETTINGS_MODULE"] = "invoicedesk.settings"
os.environ.setdefault("INVOICEDESK_ENV", "development")  # this driver runs on a development machine

from aiosmtpd.controller import Controller  # noqa: E402 - after sys.path

from bench.support import free_port  # noqa: E402
from invoicedesk.devtools.localstripe import LocalStripe  # noqa: E402
from tests.faults.stripe_proxy import StripeProxy  # noqa: E402

INVOICES = int(os.environ.get("SOAK_INVOICES", "12"))
KILLS = int(os.environ.get("SOAK_KILLS", "16"))
SETTLE_SECONDS = float(os.environ.get("SOAK_SETTLE_SECONDS", "120"))
SEED = int(os.environ.get("SOAK_SEED", str(random.randrange(1_000_000))))
KEEP_LOGS = os.environ.get("SOAK_KEEP_LOGS", "") not in ("", "0")
WORKERS = 2
KILL_EVERY = (1.0, 2.0)  # seconds between kills, drawn at random
# A task running longer than the lease is taken for dead. Check E001: one Stripe attempt of 3 s < 4 s;
# check E002: 6 SMTP steps × 0.6 s < 4 s.
LEASE_SECONDS = 4
# A worker silent this long is dead: the jobs it held run again (production: 30 s, swept every 10 s).
STALLED_SECONDS = 3.0
STRIPE_TIMEOUT_SECONDS = 3.0
SMTP_TIMEOUT_SECONDS = 0.6
# Held answers, shorter than the timeouts: a worker that is not killed gets its answer.
HOLD_REFUND_SECONDS = 1.5
SMTP_HOLD_SECONDS = 0.3
WEBHOOK_SECRET = "whsec_soak"
AMOUNT = 110_000

# Settings the parent's environment may carry that must not leak into the processes started here.
_DROPPED = ("DATABASE_URL", "SMTP_", "STRIPE_", "WORKER_", "LOCALSTRIPE_", "INVOICEDESK_", "DJANGO_")


# ---------------------------------------------------------------- the SMTP server


class Mailbox:
    """aiosmtpd handler. `received`: the Message-ID of every DATA that reached us; `accepted`: those answered 250
    to a client still connected; `cut`: those whose client went away while the answer was held."""

    def __init__(self, hold_seconds: float) -> None:
        self.hold_seconds = hold_seconds
        self.received: list[str] = []
        self.accepted: list[str] = []
        self.cut: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message_id = str(message["Message-ID"])
        self.received.append(message_id)
        try:
            await asyncio.sleep(self.hold_seconds)  # never block the loop: other workers' sessions share it
        except asyncio.CancelledError:  # aiosmtpd cancels the handler when its client's connection drops
            self.cut.append(message_id)
            raise
        if server.transport is None or server.transport.is_closing():
            self.cut.append(message_id)
            return "451 client gone"
        self.accepted.append(message_id)
        return "250 OK"


# ---------------------------------------------------------------- worker processes


class Worker:
    """`manage.py run_worker --interval 0.2`, its log kept (to see which job it held when killed)."""

    def __init__(self, number: int, env: dict[str, str], log_dir: Path) -> None:
        self.number = number
        self.worker_id = f"soak-{number:02d}-{uuid.uuid4().hex[:8]}"
        self.log_path = log_dir / f"worker-{number:02d}.log"
        self.killed = False  # by us; a worker that exits otherwise is a finding
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
                [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--worker-id", self.worker_id],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def in_job_loop(self) -> bool:
        """procrastinate's worker has started (its log says so): past Django's start and the connections."""
        return "Starting worker" in self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9: no signal handler, no cleanup."""
        if self.alive:
            self.process.kill()
        self.process.wait(timeout=10)


@dataclass
class Soak:
    env: dict[str, str]
    log_dir: Path
    rng: random.Random
    workers: list[Worker] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)
    exited_on_their_own: int = 0
    last_kill_at: float | None = None
    open_at_last_kill: str = "–"

    def start_worker(self) -> Worker:
        worker = Worker(len(self.workers) + 1, self.env, self.log_dir)
        self.workers.append(worker)
        return worker

    def alive(self) -> list[Worker]:
        return [worker for worker in self.workers if worker.alive]

    def replace_dead(self) -> None:
        """A worker that exited without being killed is a finding; it is counted and replaced."""
        for worker in self.workers:
            if not worker.alive and not worker.killed:
                worker.killed = True  # counted once
                self.exited_on_their_own += 1
                self.start_worker()

    def kill_one(self) -> bool:
        """kill -9 one worker past its start (in its job loop) and start a replacement; False if none is there
        yet. A worker killed while Django starts tries only the restart: on a crowded machine, where a start takes
        longer than the pause between kills, every kill would land there and none while money moves."""
        running = [worker for worker in self.alive() if worker.in_job_loop]
        if not running:
            return False
        victim = self.rng.choice(running)
        victim.killed = True
        victim.kill()
        self.last_kill_at = time.monotonic()
        self.kills[what_it_was_doing(victim)] += 1
        self.open_at_last_kill = "{} / {}".format(*open_work())
        self.start_worker()
        return True

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.kill()


# ---------------------------------------------------------------- what the database and Stripe say


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def what_it_was_doing(worker: Worker) -> str:
    """What the (dead) worker held: the jobs its log says it started that are still `doing` (until the sweep puts
    them back, once the worker's heartbeat is stale)."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from invoicedesk.notifications.models import Notification, NotificationStatus
    from invoicedesk.refunds.models import Refund, RefundStatus
    from invoicedesk.stripe_integration import gateway

    log = worker.log_path.read_text(errors="replace")
    started = [int(job_id) for job_id in re.findall(r"Starting job [\w.]+\[(\d+)\]", log)]
    held = list(ProcrastinateJob.objects.filter(pk__in=started, status="doing", task_name="invoicedesk.run"))
    if not held:
        if "Starting worker" not in log:
            return "starting up (before its job loop)"
        return "idle, or in a periodic job"
    job = held[-1]
    task_path = str(job.args["task"])
    object_id = int(job.args["args"][0])
    if task_path.endswith("execute_refund"):
        refund = Refund.objects.select_related("payment_link").get(pk=object_id)
        if refund.status != RefundStatus.PROCESSING:
            return "in a refund task, after recording Stripe's answer"
        at_stripe = gateway.list_refunds(payment_intent_id=refund.payment_link.stripe_payment_intent_id)
        if any(info.metadata.get("refund_id") == str(refund.pk) for info in at_stripe):
            return "in a refund task: Stripe had refunded, its answer not yet heard"
        return "in a refund task, before Stripe refunded"
    if task_path.endswith("deliver_notification"):
        notification = Notification.objects.get(pk=object_id)
        if notification.status == NotificationStatus.SENDING:
            return "in an email task: handed to SMTP, answer not recorded"
        return "in an email task, before or after SMTP"
    return f"in task {task_path.rsplit('.', 1)[-1]}"


def open_work() -> tuple[int, int]:
    """Refunds not final yet, and succeeded refunds whose buyer email is not SENT yet."""
    from invoicedesk.notifications.models import Notification, NotificationKind, NotificationStatus
    from invoicedesk.refunds.models import Refund, RefundStatus

    final = [status for status in RefundStatus if status.is_final]
    open_refunds = Refund.objects.exclude(status__in=final).count()
    succeeded = Refund.objects.filter(status=RefundStatus.SUCCEEDED).count()
    sent = Notification.objects.filter(kind=NotificationKind.REFUND_SUCCEEDED, status=NotificationStatus.SENT)
    return open_refunds, succeeded - sent.count()


def settled() -> bool:
    return open_work() == (0, 0)


def create_paid_invoices_and_request_refunds() -> list[int]:
    """An organization with an add-on contract, an operator, INVOICES invoices paid through localstripe, and one
    partial refund requested of each. Returns the refunds' ids."""
    from django.utils import timezone

    from invoicedesk.accounts.models import Membership, Role
    from invoicedesk.refunds.models import ReconciliationRun, RefundClassification
    from invoicedesk.refunds.services import RefundInput, refund_request
    from tests import factories

    # As in a database whose nightly reconciliation ran recently: the workers do not start one, so what settles
    # the work of killed workers is the lease and the recovery jobs, not a full reconciliation at start.
    ReconciliationRun.objects.create(finished_at=timezone.now(), differences_left=0)
    org = factories.organization("Soak Seller K.K.")
    operator = factories.member(org, Role.OPERATOR, email="operator@soak.test")
    membership = Membership.objects.select_related("organization", "user").get(user=operator, organization=org)
    refund_ids = []
    for i in range(1, INVOICES + 1):
        buyer = factories.buyer(
            org,
            f"Buyer {i} Trading Co., Ltd.",
            contact_name=f"Contact {i}",
            email=f"ap{i}@buyer.example",
            language="en" if i % 2 else "ja",
        )
        invoice = factories.pay_through_stripe(
            factories.invoice(org, number=f"INV-SOAK-{i:04d}", bill_to=buyer, amount=AMOUNT + i * 1_000)
        )
        refund = refund_request(
            actor=membership,
            request=RefundInput(
                invoice_id=invoice.pk,
                amount=invoice.amount // 5 + i,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )
        refund_ids.append(refund.pk)
    return refund_ids


@dataclass
class Row:
    label: str
    figure: object
    expected: object = ""
    ok: bool | None = None  # None: a figure to read, not a check


def history_disagrees(refund: Any, at_stripe: list[Any]) -> str:
    """Why this refund's history or link disagrees with Stripe, or ''."""
    from invoicedesk.payments.history import HistoryMessage
    from invoicedesk.payments.models import PaymentTransaction

    link = refund.payment_link
    succeeded_at_stripe = sum(info.amount for info in at_stripe if info.status == "succeeded")
    if link.amount_refunded != succeeded_at_stripe:
        return f"link refunded {link.amount_refunded}, Stripe {succeeded_at_stripe}"
    codes = Counter[str]()
    rows = {}
    for row in PaymentTransaction.objects.filter(payment_link=link):
        for code, _params in row.message_parts:
            codes[code] += 1
            rows[code] = row
    wanted = {
        HistoryMessage.REFUND_REQUESTED: 1,
        HistoryMessage.REFUND_SUCCEEDED: 1,
        HistoryMessage.EMAIL_DELIVERED: 1,
        HistoryMessage.REFUND_MADE_OUTSIDE: 0,
    }
    for code, count in wanted.items():
        if codes[code] != count:
            return f"history has {codes[code]} × {code}, not {count}"
    success = rows[HistoryMessage.REFUND_SUCCEEDED]
    ids = [info.id for info in at_stripe]
    if success.amount != refund.amount or [success.stripe_reference] != ids:
        return f"history says {success.amount} {success.stripe_reference}, Stripe {ids}"
    return ""


def report(soak: Soak, mailbox: Mailbox, proxy: StripeProxy, localstripe_url: str, settle: float | None) -> bool:
    from django.db.models import Sum
    from procrastinate.contrib.django.models import ProcrastinateJob

    from invoicedesk.alerts.models import Alert
    from invoicedesk.notifications.models import Notification, NotificationKind, NotificationStatus
    from invoicedesk.payments.history import HistoryMessage
    from invoicedesk.payments.models import PaymentTransaction
    from invoicedesk.refunds.models import Refund, RefundStatus
    from invoicedesk.stripe_integration import gateway

    refunds = list(Refund.objects.select_related("payment_link").order_by("pk"))
    expected_total = sum(refund.amount for refund in refunds if refund.source == "app")
    statuses = Counter(refund.status for refund in refunds)
    per_payment: dict[int, list[gateway.RefundInfo]] = {}
    charged_refunded = 0
    for refund in refunds:
        link = refund.payment_link
        per_payment[refund.pk] = gateway.list_refunds(payment_intent_id=link.stripe_payment_intent_id)
        charged_refunded += gateway.retrieve_charge_amount_refunded(charge_id=link.stripe_charge_id)
    counts = Counter(len(infos) for infos in per_payment.values())
    doubled = sum(n for size, n in counts.items() if size > 1)
    lost = counts[0]
    at_stripe_total = sum(info.amount for infos in per_payment.values() for info in infos if info.status == "succeeded")
    disagreements = {refund.pk: history_disagrees(refund, per_payment[refund.pk]) for refund in refunds}
    disagreeing = [f"refund {pk}: {why}" for pk, why in disagreements.items() if why]

    notifications = list(Notification.objects.filter(kind=NotificationKind.REFUND_SUCCEEDED))
    sent = [n for n in notifications if n.status == NotificationStatus.SENT]
    accepted = Counter(mailbox.accepted)
    ours = {n.message_id for n in notifications}
    emails_lost = statuses[RefundStatus.SUCCEEDED] - len(sent) + sum(1 for n in sent if n.message_id not in accepted)
    duplicates = sum(1 for message_id, n in accepted.items() if n > 1 and message_id in ours)
    attempts = Notification.objects.aggregate(total=Sum("attempts"))["total"] or 0
    unconfirmed = sum(
        1
        for row in PaymentTransaction.objects.filter(kind="REFUND_UPDATE")
        for code, _params in row.message_parts
        if code == HistoryMessage.REFUND_UNCONFIRMED
    )
    failed_tasks = ProcrastinateJob.objects.filter(status="failed").count()
    reconcile = subprocess.run(
        [sys.executable, "manage.py", "reconcile_stripe"],
        cwd=ROOT,
        env={**soak.env, "STRIPE_API_BASE": localstripe_url},  # Stripe itself, not the proxy
        capture_output=True,
        text=True,
        check=False,
    )
    reconcile_differences = 0 if reconcile.returncode == 0 else max(1, reconcile.stdout.count("\n") - 2)
    n = len(refunds)
    kills_done = sum(soak.kills.values())
    other = {status: count for status, count in statuses.items() if status != RefundStatus.SUCCEEDED}

    rows = [
        Row("kills (kill -9 of a worker; fewer if all settled)", kills_done, f"≤ {KILLS}"),
        *[Row(f"  … {doing}", count) for doing, count in sorted(soak.kills.items())],
        Row("workers that exited without being killed", soak.exited_on_their_own, 0, soak.exited_on_their_own == 0),
        Row("refunds requested", n, INVOICES, n == INVOICES),
        Row("refunds SUCCEEDED", statuses[RefundStatus.SUCCEEDED], n, statuses[RefundStatus.SUCCEEDED] == n),
        Row("refunds in another status", ", ".join(f"{s} {c}" for s, c in other.items()) or 0, 0, not other),
        Row("payments with exactly 1 refund at Stripe", counts[1], n, counts[1] == n),
        Row("payments refunded twice or more at Stripe", doubled, 0, doubled == 0),
        Row("payments with no refund at Stripe (lost)", lost, 0, lost == 0),
        Row("refunded at Stripe, sum of refunds", at_stripe_total, expected_total, at_stripe_total == expected_total),
        Row("refunded at Stripe, sum of charges", charged_refunded, expected_total, charged_refunded == expected_total),
        Row("refund POSTs through the proxy", proxy.refund_posts, f"≥ {n}", proxy.refund_posts >= n),
        Row("  … answered by replaying the key's first answer", proxy.replays),
        Row("refunds marked 'awaiting confirmation' on the way", unconfirmed),
        Row("refunds whose link or history disagrees with Stripe", len(disagreeing), 0, not disagreeing),
        Row("reconcile_stripe differences", reconcile_differences, 0, reconcile.returncode == 0),
        Row("alerts raised", Alert.objects.count(), 0, not Alert.objects.exists()),
        Row("jobs failed", failed_tasks, 0, failed_tasks == 0),
        Row("SMTP DATA received", len(mailbox.received), f"≥ {n}", len(mailbox.received) >= n),
        Row("  … cut by a kill before our 250", len(mailbox.cut)),
        Row("emails accepted by SMTP (250)", len(mailbox.accepted), f"≥ {n}", len(mailbox.accepted) >= n),
        Row("distinct Message-IDs accepted", len(accepted), n, len(accepted) == n),
        Row("notifications SENT", len(sent), n, len(sent) == n),
        Row("send attempts (notification.attempts, summed)", attempts, f"≥ {n}"),
        Row("Message-IDs accepted twice or more (allowed)", duplicates, "0; allowed"),
        Row("emails lost", emails_lost, 0, emails_lost == 0),
        Row("refunds open / emails unsent at the last kill", soak.open_at_last_kill),
        Row(
            "time to settle after the last kill (s)",
            "not settled" if settle is None else f"{settle:.1f}",
            f"≤ {SETTLE_SECONDS:g}",
            settle is not None,
        ),
    ]
    print(
        f"\nKill soak: {n} refunds, {WORKERS} workers, kill -9 every {KILL_EVERY[0]:g}–{KILL_EVERY[1]:g} s, "
        f"worker dead after {STALLED_SECONDS:g} s without heartbeat, Stripe answers held {HOLD_REFUND_SECONDS:g} s, "
        f"SMTP answers held {SMTP_HOLD_SECONDS:g} s, seed {SEED}"
    )
    width = max(len(row.label) for row in rows)
    print(f"  {'':<{width}} {'figure':>16} {'expected':>18}")
    for row in rows:
        mark = "" if row.ok is None else ("ok" if row.ok else "FAIL")
        print(f"  {row.label:<{width}} {row.figure!s:>16} {row.expected!s:>18}  {mark}")
    print(
        "  A Message-ID accepted twice is the designed behaviour: an email is delivered at least once, a resend "
        "carries the same Message-ID.\n"
        f"  A job a killed worker held runs again once the worker has sent no heartbeat for {STALLED_SECONDS:g} s "
        "(the stalled-job sweep runs every second here, every 10 s by default)."
    )
    for line in disagreeing:
        print(f"  disagrees: {line}")
    if reconcile.returncode != 0:
        print("  reconcile_stripe:\n    " + (reconcile.stdout + reconcile.stderr).strip().replace("\n", "\n    "))
    # A refund doubled or lost, an email lost, records that disagree with Stripe, or nothing settled: failure.
    return all(row.ok is not False for row in rows)


# ---------------------------------------------------------------- the run


def on_port(proxy: StripeProxy, port: int) -> StripeProxy:
    """The fault tests' proxy binds any port; here it takes ours (BENCH_PORTS), before it starts serving."""
    handler = proxy.server.RequestHandlerClass
    proxy.server.server_close()
    proxy.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    proxy.server.daemon_threads = True
    return proxy


def main() -> int:
    rng = random.Random(SEED)
    tmp = Path(tempfile.mkdtemp(prefix="kill_soak-"))
    ok = False
    localstripe = LocalStripe(port=free_port())
    proxy: StripeProxy | None = None
    controller: Controller | None = None
    soak: Soak | None = None
    started = time.monotonic()
    try:
        recreate_database(os.environ["DATABASE_URL"])
        localstripe.start()
        proxy = on_port(StripeProxy(localstripe.url, hold_refund_seconds=HOLD_REFUND_SECONDS), free_port()).start()
        mailbox = Mailbox(SMTP_HOLD_SECONDS)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        smtp_port = free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()

        env = {key: value for key, value in os.environ.items() if not key.startswith(_DROPPED)}
        common = {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "DJANGO_SETTINGS_MODULE": "invoicedesk.settings",
            "DJANGO_DEBUG": "false",
            "INVOICEDESK_ENV": "test",
            "STRIPE_SECRET_KEY": "sk_test_soak",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_TIMEOUT_SECONDS": str(STRIPE_TIMEOUT_SECONDS),
            "STRIPE_MAX_NETWORK_RETRIES": "0",
            "WORKER_TASK_TIMEOUT_SECONDS": str(LEASE_SECONDS),
            "WORKER_STALLED_SECONDS": str(STALLED_SECONDS),
            "WORKER_HEARTBEAT_SECONDS": str(STALLED_SECONDS / 4),
            "WORKER_STALLED_SWEEP_SECONDS": "1",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(
            common,
            INVOICEDESK_VAR_DIR=str(tmp / "var-workers"),
            STRIPE_API_BASE=proxy.url,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_port),
            SMTP_USE_TLS="false",
            SMTP_TIMEOUT_SECONDS=str(SMTP_TIMEOUT_SECONDS),
            TASKS_LOG_LEVEL="INFO",  # "Starting job …[id]": which job a killed worker held
        )
        # This process creates the data and checks the outcome; it talks to localstripe directly.
        os.environ.update(
            common, INVOICEDESK_VAR_DIR=str(tmp / "var-soak"), STRIPE_API_BASE=localstripe.url, LOG_LEVEL="WARNING"
        )
        for key in [key for key in os.environ if key.startswith("SMTP_")]:
            del os.environ[key]

        print(f"Database {os.environ['DATABASE_URL']} recreated; migrating…", flush=True)
        subprocess.run(  # migrate also runs the system checks (E001, E002) on the workers' settings
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        import django

        django.setup()
        setup_started = time.monotonic()
        refund_ids = create_paid_invoices_and_request_refunds()
        print(
            f"{len(refund_ids)} invoices paid through localstripe and refunds requested "
            f"in {time.monotonic() - setup_started:.1f} s; starting {WORKERS} workers, {KILLS} kills…",
            flush=True,
        )

        soak = Soak(env=env, log_dir=tmp, rng=rng)
        soak_started = time.monotonic()
        for _ in range(WORKERS):
            soak.start_worker()
        while sum(soak.kills.values()) < KILLS:
            time.sleep(rng.uniform(*KILL_EVERY))
            soak.replace_dead()
            if settled():
                break
            soak.kill_one()
        kills_over = soak.last_kill_at or time.monotonic()
        print(
            f"{sum(soak.kills.values())} kills in {time.monotonic() - soak_started:.1f} s; waiting for the work to "
            "settle…",
            flush=True,
        )
        settle: float | None = None
        while time.monotonic() - kills_over < SETTLE_SECONDS:
            soak.replace_dead()
            if settled():
                settle = time.monotonic() - kills_over
                break
            time.sleep(0.2)
        soak.stop_all()
        ok = report(soak, mailbox, proxy, localstripe.url, settle)
        print(f"\nSoak took {time.monotonic() - started:.0f} s in all.")
    finally:
        if soak is not None:
            soak.stop_all()
        if controller is not None:
            controller.stop()
        if proxy is not None:
            proxy.stop()
        localstripe.stop()
        if ok and not KEEP_LOGS:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"Worker logs kept in {tmp}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
