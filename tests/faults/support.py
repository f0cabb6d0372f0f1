"""Real processes for the fault tests: the worker (`manage.py run_worker`, procrastinate) on the test database, an SMTP
server that can stall, and polling with deadlines."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from invoicedesk.devtools.localstripe import free_port

ROOT = Path(__file__).resolve().parents[2]
# Settings the parent's environment may carry that must not leak into the worker.
_DROPPED = ("DATABASE_URL", "SMTP_", "STRIPE_", "WORKER_", "LOCALSTRIPE_", "INVOICEDESK_", "DJANGO_")


def test_database_url() -> str:
    """The database this test runs on (pytest-django's test database), as a DATABASE_URL."""
    db = connection.settings_dict
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = urllib.parse.quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    host = urllib.parse.quote(db.get("HOST") or "localhost", safe="")  # a socket folder is a path
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


def worker_env(
    *,
    stripe_api_base: str,
    smtp_port: int,
    var_dir: Path,
    lease_seconds: int = 4,
    stripe_timeout_seconds: float = 1,
    stripe_retries: int = 0,
    stalled_seconds: float | None = None,
) -> dict[str, str]:
    """The worker's environment. `stalled_seconds`: how long a silent worker's jobs wait before they are run
    again (WORKER_STALLED_SECONDS; None: the production default, 30 s, swept every 10 s)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_DROPPED)}
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        DATABASE_URL=test_database_url(),
        INVOICEDESK_ENV="test",
        INVOICEDESK_VAR_DIR=str(var_dir),
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="invoicedesk.settings",
        STRIPE_API_BASE=stripe_api_base,
        STRIPE_SECRET_KEY=settings.STRIPE_SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=settings.STRIPE_WEBHOOK_SECRET,
        STRIPE_TIMEOUT_SECONDS=str(stripe_timeout_seconds),
        STRIPE_MAX_NETWORK_RETRIES=str(stripe_retries),
        WORKER_TASK_TIMEOUT_SECONDS=str(lease_seconds),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_USE_TLS="false",
        # Each SMTP step must fail fast enough that a whole send fits in the short lease (check E002).
        SMTP_TIMEOUT_SECONDS=str(lease_seconds / 7),
        LOG_LEVEL="INFO",
        **(
            {
                "WORKER_STALLED_SECONDS": str(stalled_seconds),
                "WORKER_HEARTBEAT_SECONDS": str(stalled_seconds / 4),
                "WORKER_STALLED_SWEEP_SECONDS": "1",
            }
            if stalled_seconds is not None
            else {}
        ),
        PYTHONUNBUFFERED="1",
    )
    return env


class WorkerProcess:
    """`manage.py run_worker --interval 0.2` as its own process; its output goes to a log file."""

    def __init__(self, env: dict[str, str], log_path: Path, *, interval: float = 0.2) -> None:
        self.env = env
        self.log_path = log_path
        self.interval = interval
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> WorkerProcess:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--interval", str(self.interval)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started_at = time.monotonic()
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no signal handler, no cleanup, no last words."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (the worker finishes its task and exits), then SIGKILL if it takes too long."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_workers() -> Iterator[list[WorkerProcess]]:
    """Every worker appended to the list is killed on the way out, whatever happened."""
    workers: list[WorkerProcess] = []
    try:
        yield workers
    finally:
        for worker in workers:
            worker.kill()


def wait_until(
    condition: Callable[[], Any],
    *,
    timeout: float = 30,
    what: str,
    workers: list[WorkerProcess] = (),  # type: ignore[assignment]
) -> Any:
    """Poll `condition` until it returns something true; fail with the workers' logs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.log_path.name}\n{w.log()[-4000:]}" for w in workers)
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")
        time.sleep(0.1)


class Inbox:
    """An SMTP server's mailbox. `received`: every message whose DATA reached the server; `accepted`: those the
    server answered 250 to a client still there; `aborted`: those whose client went away while the server held
    its answer. With `stall_first`, the answer to the first message waits until `release` is set."""

    def __init__(self, *, stall_first: bool = False) -> None:
        self.stall_first = stall_first
        self.received: list[EmailMessage] = []
        self.accepted: list[EmailMessage] = []
        self.aborted: list[EmailMessage] = []
        self.stalling = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        if self.stall_first and len(self.received) == 1:
            self.stalling.set()
            try:
                while not self.release.is_set():  # never block aiosmtpd's event loop: other clients use it
                    await asyncio.sleep(0.05)
            except asyncio.CancelledError:  # aiosmtpd cancels the handler when its client's connection drops
                self.aborted.append(message)
                raise
            if server.transport is None or server.transport.is_closing():
                self.aborted.append(message)
                return "451 client gone"
        self.accepted.append(message)
        return "250 OK"

    def message_ids(self, messages: list[EmailMessage]) -> list[str]:
        return [str(message["Message-ID"]) for message in messages]


@contextmanager
def smtp_server(inbox: Inbox) -> Iterator[int]:
    port = free_port()
    chatter = logging.getLogger("mail.log")  # aiosmtpd logs every command at INFO
    level = chatter.level
    chatter.setLevel(logging.WARNING)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        inbox.release.set()
        controller.stop()
        chatter.setLevel(level)
