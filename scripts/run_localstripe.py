"""Run localstripe (a stateful fake Stripe server) on 127.0.0.1 only.

    python scripts/run_localstripe.py --port 8420 [--store var/localstripe.pickle] [--fee-percent 3.6]

Its own CLI binds every interface and pickles its whole store to /tmp on each
write. This launcher binds loopback and keeps the store in memory; with
--store it loads that file at start and saves it every few seconds and at
shutdown, so the demo's payments survive a restart. localstripe charges no fee (every balance
transaction says `fee: 0`); with --fee-percent each charge's balance transaction carries Stripe's fee at that
rate, as Stripe reports it (`fee`, `fee_details` of type `stripe_fee`, `net`), so the demo's books have fee
lines that come through the same path as Stripe's (docs/accounting.md). localstripe is GPL-3.0:
it runs as its own process for tests and the demo, never imported by the app.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pickle
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from aiohttp import web
from localstripe import resources, server

SAVE_EVERY_SECONDS = 5


def _load(path: Path) -> None:
    if path.exists():
        with path.open("rb") as file:
            dict.update(resources.store, pickle.load(file))  # noqa: S301 - our own file


def _save(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as file:
        pickle.dump(dict(resources.store), file, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)


def _charge_fees(percent: Decimal) -> None:
    """Each charge's balance transaction carries Stripe's processing fee at `percent` of its amount (refunds none:
    Stripe keeps its fee when a payment is refunded)."""
    create = resources.BalanceTransaction.__init__

    def with_fee(self: resources.BalanceTransaction, *args: object, **kwargs: object) -> None:
        create(self, *args, **kwargs)
        if self.type == "charge":
            fee = int((Decimal(self.amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            self.fee = fee
            self.fee_details = [
                {
                    "amount": fee,
                    "application": None,
                    "currency": self.currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]

    resources.BalanceTransaction.__init__ = with_fee


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--store", type=Path, help="file to keep the store in between runs")
    parser.add_argument("--fee-percent", type=Decimal, help="Stripe's fee on each charge, in percent (3.6 in Japan)")
    args = parser.parse_args()
    if args.fee_percent is not None:
        _charge_fees(args.fee_percent)
    resources.Store.dump_to_disk = lambda self: None
    logging.basicConfig(level=logging.WARNING)

    if args.store is not None:
        store_path: Path = args.store
        _load(store_path)

        async def keep_saving(app: web.Application) -> AsyncIterator[None]:
            async def loop() -> None:
                while True:
                    await asyncio.sleep(SAVE_EVERY_SECONDS)
                    _save(store_path)

            saver = asyncio.ensure_future(loop())
            yield
            saver.cancel()
            _save(store_path)

        server.app.cleanup_ctx.append(keep_saving)

    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
