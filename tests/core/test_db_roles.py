"""Two roles in production: `migrate` runs as the owner of DATABASE_MIGRATE_URL and grants the application role of
DATABASE_URL what it may do (core.db_roles). Here on a database of its own, with the real commands."""

import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from invoicedesk.core.db_roles import as_owner, table_privileges

ROOT = Path(__file__).resolve().parents[2]


def test_append_only_tables_get_select_and_insert_and_the_others_all_four() -> None:
    privileges = table_privileges()
    for table in ("audit_auditentry", "payments_paymenttransaction", "documents_refunddocument"):
        assert privileges[table] == ("SELECT", "INSERT"), table
    for table in ("refunds_refund", "audit_chainhead", "django_session"):
        assert privileges[table] == ("SELECT", "INSERT", "UPDATE", "DELETE"), table
    assert "django_migrations" not in privileges  # no model: SELECT only


def _url(user: str, database: str) -> str:
    settings = connection.settings_dict
    host = urllib.parse.quote(settings["HOST"] or "localhost", safe="")  # the embedded server's is a socket folder
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{user}@{host}{port}/{database}"


def _manage(*args: str, app_url: str, owner_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in {"PGOPTIONS", "DATABASE_MIGRATE_URL"}}
    env["DATABASE_URL"] = app_url
    if owner_url:
        env["DATABASE_MIGRATE_URL"] = owner_url
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def scratch() -> Iterator[tuple[str, str, psycopg.Connection[object]]]:
    """A database and an application role of their own (names unique to this test database), dropped after."""
    base = connection.settings_dict["NAME"]
    database, role = f"{base}_roles"[:63], f"{base}_roles_app"[:63]
    settings = connection.settings_dict
    admin = psycopg.connect(
        host=settings["HOST"] or "localhost",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
        options="-c role=none",
    )
    admin.execute(f"DROP DATABASE IF EXISTS {database}".encode())
    admin.execute(f"DROP ROLE IF EXISTS {role}".encode())
    admin.execute(f"CREATE DATABASE {database}".encode())
    try:
        yield database, role, admin
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)".encode())
        admin.execute(f"DROP ROLE IF EXISTS {role}".encode())
        admin.close()


@pytest.mark.django_db
def test_migrate_as_the_owner_grants_the_application_role_which_owns_nothing(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    database, role, _admin = request.getfixturevalue("scratch")
    owner = connection.settings_dict["USER"]
    app_url, owner_url = _url(role, database), _url(owner, database)

    migrated = _manage("migrate", "--noinput", app_url=app_url, owner_url=owner_url)
    assert migrated.returncode == 0, migrated.stderr
    assert f"Granted the application role {role} its privileges on" in migrated.stdout
    again = _manage("migrate", "--noinput", app_url=app_url, owner_url=owner_url)  # every release: idempotent
    assert again.returncode == 0 and "No migrations to apply." in again.stdout, again.stderr

    with psycopg.connect(app_url, options="-c role=none") as app:
        assert app.execute("SELECT current_user::text").fetchone() == (role,)
        rows = app.execute(
            "SELECT has_table_privilege('audit_auditentry', 'INSERT'),"
            " has_table_privilege('audit_auditentry', 'UPDATE'),"
            " has_table_privilege('refunds_refund', 'DELETE'), has_table_privilege('django_migrations', 'INSERT'),"
            " has_table_privilege('procrastinate_jobs', 'UPDATE'),"
            " (SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user))"
        ).fetchone()
        assert rows == (True, False, True, False, True, 0)  # the job queue's tables are written
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("CREATE TABLE its_own (id int)")  # nothing of its own, so nothing it could alter
    verified = _manage("verify_audit", app_url=app_url, owner_url=None)  # the worker's nightly job, as the app
    assert verified.returncode == 0 and "every chain holds" in verified.stdout, verified.stderr

    with psycopg.connect(owner_url, options="-c role=none", autocommit=True) as owning:
        owning.execute(f"ALTER TABLE billing_buyer OWNER TO {role}".encode())  # a mistake the command catches
    granted = _manage("grant_app_role", app_url=app_url, owner_url=owner_url)
    assert granted.returncode == 1
    assert f"The application role {role} owns billing_buyer" in granted.stderr
    assert f"REASSIGN OWNED BY {role} TO <owner>" in granted.stderr


def test_without_a_second_role_there_is_nothing_to_grant(tmp_path: Path) -> None:
    with as_owner() as app_role:
        assert app_role is None  # DATABASE_MIGRATE_URL unset: migrate uses DATABASE_URL, as in development
    url = _url(connection.settings_dict["USER"], connection.settings_dict["NAME"])
    listed = _manage("grant_app_role", app_url=url, owner_url=None)
    assert listed.returncode == 0 and "Nothing to grant" in listed.stdout, listed.stderr
