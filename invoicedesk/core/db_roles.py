"""Least privilege in PostgreSQL: the web and worker connect as an application role that owns nothing
(`DATABASE_URL`); migrations run as the tables' owner (`DATABASE_MIGRATE_URL`), who then grants the application
role what it may do, table by table, after every migration (`manage.py migrate`, or `manage.py grant_app_role`).

What the application role gets:
- SELECT, INSERT, UPDATE, DELETE on every table of a model, minus the operations a `pgtrigger.Protect` trigger
  refuses on it: append-only tables (audit entries, payment history, issued documents) get SELECT and INSERT only;
- SELECT only on tables no model describes (django_migrations: the application never migrates), except the job
  queue's (`procrastinate_*`), which it writes;
- USAGE and SELECT on sequences (nextval for inserts; not setval);
- nothing it would own: not owning a table, it can neither ALTER (DISABLE/DROP TRIGGER) nor TRUNCATE nor DROP it.

`SET pgtrigger.ignore` is a plain session setting that any role may set (PostgreSQL cannot forbid a custom
setting); the triggers read it to let an UPDATE through. Without the UPDATE and DELETE privileges the statement is
refused before any trigger runs, so setting it no longer opens anything.

Re-granted after each migration rather than by ALTER DEFAULT PRIVILEGES: default privileges would give a new
append-only table UPDATE and DELETE until someone noticed; here the grants follow the models (their triggers), and a
table created without them is closed to the application (it fails loudly) rather than open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")
QUEUE_TABLES = "procrastinate_"


class RoleError(Exception):
    """The application role is not one that may be used as such (superuser, owner of something, member of the
    owner, …); the message says what to do."""


def table_privileges() -> dict[str, tuple[str, ...]]:
    """{table: privileges of the application role} for every model's table."""
    found: dict[str, tuple[str, ...]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        refused: set[str] = set()
        for trigger in getattr(model._meta, "triggers", []):
            if isinstance(trigger, pgtrigger.Protect):
                refused |= {operation.strip() for operation in str(trigger.operation).split(" OR ")}
        found[model._meta.db_table] = tuple(privilege for privilege in DML if privilege not in refused)
    return found


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def _check_role(cursor: Any, role: str) -> None:
    cursor.execute(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls, pg_has_role(%s, current_user, 'MEMBER')"
        " FROM pg_roles WHERE rolname = %s",
        [role, role],
    )
    powerful, member_of_owner = cursor.fetchone()
    if powerful:
        raise RoleError(
            f"The application role {role} is a superuser or may create roles or databases or bypass row security:"
            f" it must be an ordinary login (ALTER ROLE {role} NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS)."
        )
    if member_of_owner:
        raise RoleError(f"The application role {role} is a member of the owner's role: REVOKE that membership.")
    cursor.execute(
        """
        WITH app AS (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
        SELECT relname FROM pg_class, app WHERE relowner = app.oid AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        UNION SELECT nspname FROM pg_namespace, app WHERE nspowner = app.oid
        UNION SELECT proname FROM pg_proc, app WHERE proowner = app.oid
        UNION SELECT typname FROM pg_type, app WHERE typowner = app.oid AND typtype IN ('d', 'e', 'r', 'm')
        ORDER BY 1
        """,
        {"role": role},
    )
    owned = [row[0] for row in cursor.fetchall()]
    if owned:
        raise RoleError(
            f"The application role {role} owns {', '.join(owned[:10])}{' …' if len(owned) > 10 else ''}: an owner"
            f" can disable triggers and truncate. Give them to the owner (REASSIGN OWNED BY {role} TO <owner>)."
        )


def grant_app_role(*, connection: BaseDatabaseWrapper, role: str, password: str | None = None) -> int:
    """As the owner, on `connection`: create `role` if missing (LOGIN, with `password`), check it may serve as the
    application's role, and set its privileges on every table and sequence. Idempotent; one transaction, so the
    application never sees a table between REVOKE and GRANT. Returns the number of tables granted."""
    privileges = table_privileges()
    quoted = _quote(connection, role)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            if password:
                cursor.execute(f"CREATE ROLE {quoted} LOGIN PASSWORD %s", [password])
            else:
                cursor.execute(f"CREATE ROLE {quoted} LOGIN")
        _check_role(cursor, role)
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        # Usually through PUBLIC already; granted only when missing (the owner may not own the database itself).
        cursor.execute(
            "SELECT has_database_privilege(%s, %s, 'CONNECT'), has_schema_privilege(%s, %s, 'USAGE')",
            [role, database, role, schema],
        )
        may_connect, may_use_schema = cursor.fetchone()
        if not may_connect:
            cursor.execute(f"GRANT CONNECT ON DATABASE {_quote(connection, database)} TO {quoted}")
        if not may_use_schema:
            cursor.execute(f"GRANT USAGE ON SCHEMA {_quote(connection, schema)} TO {quoted}")
        cursor.execute(
            "SELECT relname, relkind FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
            " AND relkind IN ('r', 'p', 'v', 'm', 'S') ORDER BY relname"
        )
        tables = 0
        for name, kind in cursor.fetchall():
            target = _quote(connection, name)
            if kind == "S":
                cursor.execute(f"REVOKE ALL ON SEQUENCE {target} FROM {quoted}")
                cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE {target} TO {quoted}")
                continue
            cursor.execute(f"REVOKE ALL ON TABLE {target} FROM {quoted}")
            # The job queue's tables (procrastinate: its models are read-only views of them) are written by the web
            # (deferring) and the workers.
            default = DML if name.startswith(QUEUE_TABLES) else ("SELECT",)
            granted = privileges.get(name, default) if kind in {"r", "p"} else ("SELECT",)
            cursor.execute(f"GRANT {', '.join(granted)} ON TABLE {target} TO {quoted}")
            tables += 1
    return tables


@contextmanager
def as_owner(alias: str = "default") -> Iterator[tuple[str, str | None] | None]:
    """Inside: `connections[alias]` connects as the owner of `DATABASE_MIGRATE_URL`. Yields the application role
    (name, password) to grant to, or None when there is no second role (unset, or the same role)."""
    owner: dict[str, Any] | None = getattr(settings, "DATABASE_MIGRATE", None)
    connection = connections[alias]
    app_role = connection.settings_dict.get("USER") or ""
    if alias != "default" or owner is None or owner.get("USER") == app_role:
        yield None
        return
    database = connection.settings_dict.get("NAME")
    if owner.get("NAME") != database:
        raise ImproperlyConfigured(
            f"DATABASE_MIGRATE_URL names database {owner.get('NAME')!r}, DATABASE_URL {database!r}: they must be one."
        )
    keys = ("USER", "PASSWORD", "HOST", "PORT")
    saved = {key: connection.settings_dict.get(key) for key in keys}
    password = connection.settings_dict.get("PASSWORD") or None
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in keys})
    try:
        yield app_role, password
    finally:
        connection.close()
        connection.settings_dict.update(saved)
