"""What the benchmark scripts share: a fresh database, the production server as the Procfile runs it, percentiles.

Figures from one run are compared with each other (a ratio to a floor measured in the same run), never with a
number written down elsewhere: the machine is small and shared, so absolute times move from run to run.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBHOOK_SECRET = "whsec_bench"

# Settings the parent's environment may carry that must not leak into the processes started here.
_DROPPED = ("SMTP_", "STRIPE_", "WORKER_", "LOCALSTRIPE_", "INVOICEDESK_", "DJANGO_", "DATABASE_")


def recreate_database(url: str) -> None:
    """Drop and create the database the URL names: every run starts from the same empty state."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production process (INVOICEDESK_ENV=production, DEBUG off) on this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED)}
    env.update(
        INVOICEDESK_ENV="production",
        SECRET_KEY="bench-secret-key-0123456789-bench-secret-key-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SITE_URL="http://127.0.0.1",  # production refuses to start without the public address its emails link to
        DATABASE_URL=database_url,
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_PUBLISHABLE_KEY="pk_test_bench",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SMTP_HOST="127.0.0.1",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


_ports_given: set[int] = set()
_ports_lock = threading.Lock()


def free_port() -> int:
    """A free local port for a server the bench starts: the first free one of BENCH_PORTS (e.g. "18700-18799";
    on a machine shared by several runs each keeps to its own range), else any the OS picks. A port given once is
    not given again by this process (the server it was for may not have bound it yet)."""
    span = os.environ.get("BENCH_PORTS", "")
    if not span:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    low, _, high = span.partition("-")
    with _ports_lock:
        for port in range(int(low), int(high or low) + 1):
            if port in _ports_given:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            _ports_given.add(port)
            return port
    raise SystemExit(f"no free port left in BENCH_PORTS={span}")


def procfile_command(process: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise SystemExit(f"no {process!r} process in the Procfile")


class Server:
    """gunicorn exactly as the Procfile's `web` line runs it (its workers, its options), on a free local port;
    `app` replaces the WSGI module to run a peer on the same server."""

    def __init__(self, env: dict[str, str], *, app: str = "invoicedesk.wsgi") -> None:
        self.port = free_port()
        values = {**env, "PORT": str(self.port)}
        command = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: values.get(m.group(1), m.group(2)), procfile_command("web"))
        self.command = command
        argv = shlex.split(command)
        argv[0] = str(Path(sys.executable).parent / "gunicorn")
        argv[1] = app
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn
            argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str = "/", timeout: float = 30) -> Server:
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                conn.getresponse().read()
                conn.close()
                time.sleep(1.0)  # every worker booted, not just the first
                return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not answer in {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def percentiles(samples_ms: Sequence[float]) -> tuple[float, float, float]:
    if len(samples_ms) < 2:
        value = samples_ms[0] if samples_ms else float("nan")
        return value, value, value
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (pastes into bench/README.md as it is)."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |", flush=True)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def wait_for_exit(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def run_workers_until(processes: int, env: dict[str, str], done: Callable[[], bool], *, what: str) -> float:
    """Start `processes` × `run_worker --no-jobs` and wait until `done()`; returns the wall seconds, workers'
    start included. Their output goes to log files named in the error if they stop or take over 10 minutes."""
    log_dir = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    logs = [(log_dir / f"worker-{n}.log").open("wb") for n in range(processes)]
    start = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-jobs", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        deadline = time.monotonic() + 600
        while not done():
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                raise SystemExit(f"workers did not finish {what}; see {log_dir}")
            time.sleep(0.1)
        return time.perf_counter() - start
    finally:
        wait_for_exit(workers)
        for log in logs:
            log.close()


@dataclass(frozen=True)
class Span:
    """Items done, from the first to the last one's time as the database recorded it."""

    count: int
    first: datetime | None
    last: datetime | None

    @property
    def seconds(self) -> float:
        return (self.last - self.first).total_seconds() if self.first and self.last else 0.0


class CpuSampler:
    """How many of the machine's CPUs were busy over a span of time (all processes: the workers, PostgreSQL,
    localstripe, the benchmark itself), from /proc/stat sampled every 50 ms in a thread. Linux only."""

    def __init__(self) -> None:
        self._samples: list[tuple[float, int, int]] = []  # (time, busy jiffies, all jiffies)
        self._stop = threading.Event()

    @staticmethod
    def _read() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    def start(self) -> CpuSampler:
        def sample() -> None:
            while not self._stop.wait(0.05):
                self._samples.append((time.time(), *self._read()))

        threading.Thread(target=sample, daemon=True).start()
        return self

    def cores_busy(self, span: Span) -> float:
        """Average CPUs busy between the span's first and last item (0 when too short to tell)."""
        if span.first is None or span.last is None:
            return 0.0
        inside = [s for s in self._samples if span.first.timestamp() <= s[0] <= span.last.timestamp()]
        if len(inside) < 2:
            return 0.0
        (_, busy0, all0), (_, busy1, all1) = inside[0], inside[-1]
        return (busy1 - busy0) / max(all1 - all0, 1) * (os.cpu_count() or 1)


class CpuMeter:
    """CPU seconds spent by given processes over a span: a server's process tree and the PostgreSQL backends
    connected to the bench's database, from /proc/<pid>/stat (Linux; the benches run on the database's machine),
    plus this process (the load generator). On a shared machine a rate moves with what other processes do; the
    CPU a request costs moves far less (cache misses and context switches still add some)."""

    def __init__(self, database_url: str, server_pid: int | None = None) -> None:
        self.database_url = database_url
        self.server_pid = server_pid
        self._start: dict[int, int] = {}
        self._client = 0.0
        self.server_seconds = 0.0
        self.database_seconds = 0.0
        self.client_seconds = 0.0

    @staticmethod
    def _ticks(pid: int) -> int | None:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[11]) + int(fields[12])  # utime + stime

    def _tree(self) -> list[int]:
        if self.server_pid is None:
            return []
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                children.setdefault(parent, []).append(int(entry))
        pids, todo = [], [self.server_pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(children.get(pid, []))
        return pids

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [int(row[0]) for row in rows]

    def _snapshot(self) -> tuple[dict[int, int], dict[int, int]]:
        def ticks(pids: list[int]) -> dict[int, int]:
            return {pid: t for pid in pids if (t := self._ticks(pid)) is not None}

        return ticks(self._tree()), ticks(self._backends())

    def start(self) -> CpuMeter:
        server, database = self._snapshot()
        self._start = {**server, **database}
        self._client = time.process_time()
        return self

    def stop(self) -> CpuMeter:
        """Call before the server stops (its backends close with it); a backend opened during the span counts
        whole."""
        self.client_seconds = time.process_time() - self._client
        server, database = self._snapshot()
        hz = os.sysconf("SC_CLK_TCK")
        self.server_seconds = sum(t - self._start.get(pid, 0) for pid, t in server.items()) / hz
        self.database_seconds = sum(t - self._start.get(pid, 0) for pid, t in database.items()) / hz
        return self
