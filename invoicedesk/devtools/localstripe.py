"""Start and drive a localstripe process (development and tests only; see scripts/run_localstripe.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

LAUNCHER = Path(__file__).resolve().parents[2] / "scripts" / "run_localstripe.py"
# Stripe's standard fee for domestic cards in Japan (stripe.com/jp/pricing): what the demo's charges carry.
JAPAN_CARD_FEE_PERCENT = "3.6"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalStripe:
    port: int
    store: Path | None = None  # keep objects in this file between runs (the demo)
    fee_percent: str | None = None  # Stripe's fee on each charge (localstripe's own is 0)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        store = ["--store", str(self.store)] if self.store else []
        fee = ["--fee-percent", self.fee_percent] if self.fee_percent is not None else []
        return [sys.executable, str(LAUNCHER), "--port", str(self.port), *store, *fee]

    def start(self, *, timeout: float = 20) -> Self:
        if self.is_up():
            raise RuntimeError(f"something already answers on {self.url}; stop it or choose another port")
        self.process = subprocess.Popen(  # noqa: S603
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{type(self).__name__} exited with {self.process.returncode} (port {self.port} taken?)"
                )
            if self.is_up():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"localstripe did not answer on {self.url} within {timeout} s")

    def is_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=1):  # noqa: S310
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _call(self, method: str, path: str, data: dict[str, str] | None = None) -> None:
        body = urllib.parse.urlencode(data or {}).encode() if data is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=body, method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310
            pass

    def reset(self) -> None:
        """Forget every object (webhook registrations stay)."""
        self._call("DELETE", "/_config/data")

    def register_webhook(self, *, name: str, url: str, secret: str) -> None:
        self._call("POST", f"/_config/webhooks/{name}", {"url": url, "secret": secret})


@dataclass
class ConnectDouble(LocalStripe):
    """The Stripe Connect test double (`connect_double.py`) in front of the platform's localstripe `platform`: the
    app's STRIPE_API_BASE when accounts are wanted. Drives like a localstripe (reset, register_webhook pass on)."""

    platform: LocalStripe | None = None
    state: Path | None = None  # keep accounts and their localstripe stores in this folder between runs (the demo)

    def command(self) -> list[str]:
        if self.platform is None:
            raise RuntimeError("the Connect double fronts a localstripe: give it `platform`")
        state = ["--state", str(self.state)] if self.state else []
        # The connected accounts' localstripes charge the platform's fee too (the demo's books have fee lines).
        fee = ["--fee-percent", self.platform.fee_percent] if self.platform.fee_percent is not None else []
        module = "invoicedesk.devtools.connect_double"
        command = [sys.executable, "-m", module, "--port", str(self.port), "--platform", self.platform.url]
        return [*command, *state, *fee]

    def is_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_double/health", timeout=1):  # noqa: S310
                return True
        except (urllib.error.URLError, OSError):
            return False

    def register_connect_webhook(self, *, url: str, secret: str) -> None:
        """Where events of connected accounts go (Stripe's Connect endpoint), signed with its secret."""
        self._call("POST", "/_double/config/connect_webhook", {"url": url, "secret": secret})

    def inject(self, path: str, data: dict[str, object] | None = None) -> dict[str, object]:
        """POST JSON to one of the double's own routes (`/_double/accounts/{id}/disputes`, …); its JSON answer."""
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}{path}",
            data=json.dumps(data or {}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            result: dict[str, object] = json.loads(answer.read())
            return result
