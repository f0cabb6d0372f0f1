"""Scale-out: webhook processing and refunds with 1, 2 and 4 `run_worker` processes over one PostgreSQL.

    make bench-scaleout          # or: DATABASE_URL=postgres://…/invoicedesk_bench_scaleout python bench/scaleout.py

Recreates the database the URL names. For each number of worker processes it gives the workers a batch of their
own and times it from the first item finished to the last (so the workers' start-up is not counted):

- webhooks: SCALEOUT_EVENTS `payment_intent.succeeded` events (+20 % repeats), as in bench/webhooks.py;
- refunds: SCALEOUT_REFUNDS invoices paid through a localstripe of its own, one partial refund requested of each
  through the service (the worker calls Stripe's refunds.create and records the answer).

Then counts: every event applied once, every refund SUCCEEDED once, exactly one refund at Stripe per payment with
Stripe's amount equal to ours.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicedesk_bench_scaleout")
os.environ["DJANGO_SETTINGS_MODULE"] = "invoicedesk.settings"
os.environ.setdefault("INVOICEDESK_ENV", "development")  # this driver runs on a development machine
os.environ["DJANGO_DEBUG"] = "false"

from bench import webhooks  # noqa: E402 - after sys.path
from bench.support import (  # noqa: E402
    WEBHOOK_SECRET,
    CpuSampler,
    Span,
    free_port,
    print_table,
    recreate_database,
    run_workers_until,
)
from invoicedesk.devtools.localstripe import LocalStripe  # noqa: E402

os.environ["STRIPE_WEBHOOK_SECRET"] = WEBHOOK_SECRET
EVENTS = int(os.environ.get("SCALEOUT_EVENTS", "1500"))
REFUNDS = int(os.environ.get("SCALEOUT_REFUNDS", "120"))
WORKER_COUNTS = (1, 2, 4)
_DROPPED = ("DATABASE_URL", "SMTP_", "STRIPE_", "WORKER_", "LOCALSTRIPE_", "INVOICEDESK_", "DJANGO_")


def worker_env(database_url: str, stripe_url: str, var_dir: Path) -> dict[str, str]:
    """A worker against localstripe: the `test` profile (production insists on Stripe itself), DEBUG off,
    persistent connections as in production."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_DROPPED)}
    env.update(
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="600",
        DJANGO_SETTINGS_MODULE="invoicedesk.settings",
        DJANGO_DEBUG="false",
        INVOICEDESK_ENV="test",
        INVOICEDESK_VAR_DIR=str(var_dir),
        STRIPE_API_BASE=stripe_url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def request_refunds(name: str, count: int) -> list[int]:
    from invoicedesk.accounts.models import Membership, Organization
    from invoicedesk.refunds.models import RefundClassification
    from invoicedesk.refunds.services import RefundInput, refund_request
    from tests import factories

    org = Organization.objects.get(name="Scale-out Seller K.K.")
    membership = Membership.objects.select_related("organization", "user").get(organization=org)
    buyer = factories.buyer(org, "Sakura Trading Co., Ltd.", email="ap@sakura.example", language="en")
    refund_ids = []
    for i in range(count):
        invoice = factories.pay_through_stripe(
            factories.invoice(org, number=f"SO-{name}-{i:05d}", bill_to=buyer, amount=110_000)
        )
        refund = refund_request(
            actor=membership,
            request=RefundInput(
                invoice_id=invoice.pk,
                amount=20_000,
                classification=RefundClassification.PARTIAL,
                idempotency_key=uuid.uuid4(),
            ),
        )
        refund_ids.append(refund.pk)
    return refund_ids


def refunds_done(refund_ids: list[int]) -> Span:
    from django.db.models import Count, Max, Min

    from invoicedesk.refunds.models import Refund, RefundStatus

    done = Refund.objects.filter(pk__in=refund_ids, status=RefundStatus.SUCCEEDED)
    span = done.aggregate(count=Count("pk"), first=Min("succeeded_at"), last=Max("succeeded_at"))
    return Span(span["count"], span["first"], span["last"])


def run_refund_workers(refund_ids: list[int], processes: int, env: dict[str, str]) -> tuple[Span, float]:
    wall = run_workers_until(
        processes, env, lambda: refunds_done(refund_ids).count >= len(refund_ids), what="the refunds"
    )
    return refunds_done(refund_ids), wall


def check_refunds(refund_ids: list[int]) -> list[str]:
    from invoicedesk.refunds.models import Refund
    from invoicedesk.stripe_integration import gateway

    problems = []
    for refund in Refund.objects.filter(pk__in=refund_ids).select_related("payment_link"):
        at_stripe = gateway.list_refunds(payment_intent_id=refund.payment_link.stripe_payment_intent_id)
        total = sum(info.amount for info in at_stripe if info.status == "succeeded")
        if len(at_stripe) != 1 or total != refund.amount or refund.payment_link.amount_refunded != total:
            problems.append(f"refund {refund.pk}: {len(at_stripe)} at Stripe, {total} refunded there, ours {refund}")
    return problems


def main() -> None:
    database_url = os.environ["DATABASE_URL"]
    recreate_database(database_url)
    localstripe = LocalStripe(port=free_port()).start()
    os.environ["STRIPE_API_BASE"] = localstripe.url
    try:
        run(database_url, localstripe.url)
    finally:
        localstripe.stop()


def run(database_url: str, stripe_url: str) -> None:
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from invoicedesk.accounts.models import AddonContract, Organization, Role
    from invoicedesk.billing.models import Buyer
    from invoicedesk.refunds.models import ReconciliationRun
    from tests import factories

    call_command("migrate", verbosity=0)
    ReconciliationRun.objects.create(finished_at=timezone.now(), differences_left=0)
    org = Organization.objects.create(name="Bench Seller K.K.", currency="JPY")
    AddonContract.objects.create(organization=org, starts_at=timezone.now() - timedelta(days=365))
    Buyer.objects.create(organization=org, company_name="Sakura Trading Co., Ltd.", email="ap@sakura.example")
    refund_org = factories.organization("Scale-out Seller K.K.")
    factories.member(refund_org, Role.OPERATOR, email="operator@scaleout.test")
    env = worker_env(database_url, stripe_url, Path(tempfile.mkdtemp(prefix="bench-scaleout-var-")))

    problems: list[str] = []
    rows: list[list[object]] = []
    rates: dict[tuple[str, int], float] = {}
    cpus = CpuSampler().start()
    for processes in WORKER_COUNTS:
        batch = webhooks.seed_batch(f"so{processes}", EVENTS)
        webhooks.queue_events(batch)
        span, wall = webhooks.run_workers(batch, processes, database_url)
        rates["webhooks", processes] = (batch.unique - 1) / span.seconds
        problems += webhooks.check_exactly_once(batch)
        refund_ids = request_refunds(f"r{processes}", REFUNDS)
        span_r, wall_r = run_refund_workers(refund_ids, processes, env)
        rates["refunds", processes] = (len(refund_ids) - 1) / span_r.seconds
        problems += check_refunds(refund_ids)
        busy, busy_r = cpus.cores_busy(span), cpus.cores_busy(span_r)
        rows.append(
            [
                processes,
                rates["webhooks", processes],
                f"{rates['webhooks', processes] / rates['webhooks', 1]:.2f}×",
                f"{busy:.1f}",
                f"{rates['webhooks', processes] / busy:.0f}" if busy else "",
                rates["refunds", processes],
                f"{rates['refunds', processes] / rates['refunds', 1]:.2f}×",
                f"{busy_r:.1f}",
                f"{rates['refunds', processes] / busy_r:.0f}" if busy_r else "",
                f"{wall:.1f} / {wall_r:.1f}",
            ]
        )
    print_table(
        f"Scale-out over one PostgreSQL, {os.cpu_count()} CPUs: {EVENTS:,} events and {REFUNDS:,} refunds per run, "
        "first to last item done; CPUs busy: all processes on the machine over that span (of "
        f"{os.cpu_count()})",
        [
            "workers",
            "events/s",
            "vs 1",
            "CPUs busy",
            "events per CPU·s",
            "refunds/s",
            "vs 1",
            "CPUs busy",
            "refunds per CPU·s",
            "wall s (events / refunds)",
        ],
        rows,
    )
    print(
        "\nTarget: 4 workers ≥ 3× one worker. Work per CPU-second stays near one worker's as workers are added: "
        "throughput follows the CPUs there are to run them."
    )
    verdict = "every event applied once, one refund at Stripe each" if not problems else "FAILED"
    print("Nothing done twice: " + verdict)
    for problem in problems:
        print("  " + problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
