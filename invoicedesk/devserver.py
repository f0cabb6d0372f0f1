"""`make run`: the web server and the task worker, side by side, until Ctrl-C.

Migrations and demo data are done by the Makefile before this starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from invoicedesk.billing.demo import DEMO_PASSWORD, DEMO_USERS, OTHER_USER

ROOT = Path(__file__).resolve().parent.parent


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT)  # noqa: S603


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
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


if __name__ == "__main__":
    raise SystemExit(main())
