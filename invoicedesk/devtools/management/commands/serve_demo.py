"""`make run`: localstripe behind the Connect double, the web server and the task worker side by side until Ctrl-C,
with demo data: two sellers, each on its own connected Stripe account.

Migrations are done by the Makefile before this starts. The demo data is
loaded once the servers are up, so its payments go through Stripe
(localstripe) and their webhooks reach the running app.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from invoicedesk.devtools.demo import DEMO_PASSWORD, DEMO_USERS, OTHER_USER, demo_loading_marker, demo_refusal
from invoicedesk.devtools.localstripe import JAPAN_CARD_FEE_PERCENT, ConnectDouble, LocalStripe, free_port
from invoicedesk.devtools.registry_double import DEMO_APP_ID, RegistryDouble


def _spawn(*args: str, banner: bool = True) -> subprocess.Popen[bytes]:
    # The demo's own webhook deliveries would fill the terminal: the web server logs only 4xx/5xx here.
    env = {**os.environ, "ACCESS_LOG_LEVEL": "WARNING", "INVOICEDESK_DEMO_SERVER": "1"}
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=None if banner else subprocess.DEVNULL,  # logs and errors go to stderr either way
    )


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _wait_for_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError(f"{url} did not answer within {timeout} s")


class Command(BaseCommand):
    help = "Serve the demo: localstripe, web server and task worker until Ctrl-C (`make run`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, **options: Any) -> None:
        if (refusal := demo_refusal()) is not None:
            raise CommandError(refusal)
        # Stop cleanly on Ctrl-C and on SIGTERM, even when started in the background
        # (where a shell leaves SIGINT ignored).
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        port: int = options["port"]
        app_url = f"http://127.0.0.1:{port}"
        localstripe: LocalStripe | None = None
        registry: RegistryDouble | None = None
        double: ConnectDouble | None = None
        processes: list[subprocess.Popen[bytes]] = []
        try:
            if settings.STRIPE_TEST_CARD_FORM:
                # The platform's account is a localstripe; the Connect double answers at STRIPE_API_BASE in front
                # of it, with one localstripe more per connected account (kept in var/connect).
                localstripe = LocalStripe(
                    port=free_port(),
                    store=settings.VAR_DIR / "localstripe.pickle",
                    # Stripe's fee as it would report it, so the demo's books have fee lines.
                    fee_percent=JAPAN_CARD_FEE_PERCENT,
                )
                double = ConnectDouble(
                    port=int(settings.STRIPE_API_BASE.rsplit(":", 1)[1]),
                    platform=localstripe,
                    state=settings.VAR_DIR / "connect",
                )
                try:
                    localstripe.start()
                    double.start()
                except RuntimeError as error:
                    raise CommandError(f"localstripe: {error}") from error
                localstripe.register_webhook(
                    name="invoicedesk", url=f"{app_url}/stripe/webhook/", secret=settings.STRIPE_WEBHOOK_SECRET
                )
                # Stripe's Connect endpoint: events of the connected accounts, `account` set, its own secret.
                double.register_connect_webhook(
                    url=f"{app_url}/stripe/connect-webhook/", secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET
                )
                self.stdout.write(
                    f"· test-mode Stripe at {double.url}: the Connect double (accounts, hosted onboarding) "
                    f"in front of localstripe"
                )
            else:
                self.stdout.write("Talking to Stripe itself (STRIPE_SECRET_KEY is set); no localstripe started.")
            if not settings.NTA_APP_ID:
                # The registry's double (PORT+1), so registration numbers are checked as with an application ID:
                # the worker and the web server inherit these variables, seed_demo (here) the settings.
                registry = RegistryDouble(port=port + 1).start()
                os.environ["NTA_APP_ID"] = settings.NTA_APP_ID = DEMO_APP_ID
                os.environ["NTA_API_URL"] = settings.NTA_API_URL = registry.url
                self.stdout.write(f"· the National Tax Agency registry's double at {registry.url}")
            self.stdout.write("· starting the web server and the task worker")
            loading = demo_loading_marker()
            loading.touch()  # until the data is in, pages say so instead of showing half of it
            processes = [
                _spawn("run_worker", "--interval", "0.5"),
                _spawn("runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks", banner=False),
            ]
            _wait_for_http(f"{app_url}/healthz")
            self.stdout.write("· loading demo data (its payments go through Stripe)")
            started = time.monotonic()
            call_command("seed_demo", verbosity=0, connect_accounts=double is not None)
            loading.unlink(missing_ok=True)
            self.stdout.write(f"· demo data ready in {time.monotonic() - started:.0f} s")
            self.stdout.write(self.style.SUCCESS(f"\ninvoicedesk is running at {app_url}/"))
            self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
            for email, role in DEMO_USERS.items():
                self.stdout.write(f"  {email:<22} {role.label}")
            self.stdout.write(f"  {OTHER_USER:<22} Admin of the second organization")
            if double is not None:
                self.stdout.write(
                    "Each organization takes payments on its own connected Stripe account (Settings › Stripe "
                    f"account); a new one connects through the test double's onboarding page at {double.url}."
                )
            self.stdout.write("Press Ctrl-C to stop.\n")
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            raise CommandError("a demo process stopped; see the messages above")
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
            for server in (double, localstripe, registry):
                if server is not None:
                    server.stop()
            demo_loading_marker().unlink(missing_ok=True)
