"""Run localstripe (a stateful fake Stripe server) on 127.0.0.1 only.

    python scripts/run_localstripe.py --port 8420 [--store var/localstripe.pickle]

Its own CLI binds every interface and pickles its whole store to /tmp on each
write. This launcher binds loopback and keeps the store in memory; with
--store it loads that file at start and saves it every few seconds and at
shutdown, so the demo's payments survive a restart. localstripe is GPL-3.0:
it runs as its own process for tests and the demo, never imported by the app.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pickle
from collections.abc import AsyncIterator
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--store", type=Path, help="file to keep the store in between runs")
    args = parser.parse_args()
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
