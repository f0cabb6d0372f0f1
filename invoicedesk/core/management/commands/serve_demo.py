"""`make run`: the web server and the task worker, side by side, until Ctrl-C.

Migrations and demo data are done by the Makefile before this starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from invoicedesk.billing.demo import DEMO_PASSWORD, DEMO_USERS, OTHER_USER


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR)  # noqa: S603


def serve(port: int) -> int:
    processes = [
        _spawn("db_worker", "--interval", "0.5", "--no-reload"),
        _spawn("runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"),
    ]
    time.sleep(1.5)
    print(f"\ninvoicedesk is running at http://127.0.0.1:{port}/", flush=True)
    print(f"Demo logins (password {DEMO_PASSWORD}):")
    for email, role in DEMO_USERS.items():
        print(f"  {email:<22} {role.label}")
    print(f"  {OTHER_USER:<22} Admin of the second organization")
    print("Press Ctrl-C to stop.\n", flush=True)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    failed = [p for p in processes if p.returncode not in (0, None, -signal.SIGINT)]
    return 1 if failed else 0


class Command(BaseCommand):
    help = "Serve the demo: web server and task worker until Ctrl-C (`make run`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, **options: Any) -> None:
        raise SystemExit(serve(options["port"]))
