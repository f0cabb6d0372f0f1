from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from invoicedesk.core.db_roles import RoleError, as_owner, grant_app_role


class Command(BaseCommand):
    help = (
        "As the owner (DATABASE_MIGRATE_URL), create the application role of DATABASE_URL if missing and grant it"
        " its privileges: SELECT/INSERT only on append-only tables, no ownership. `migrate` does this itself."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with as_owner() as app_role:
            if app_role is None:
                self.stdout.write(
                    "Nothing to grant: DATABASE_MIGRATE_URL is unset or names DATABASE_URL's role (one role, for"
                    " development), or the database is not PostgreSQL."
                )
                return
            role, password = app_role
            try:
                tables = grant_app_role(connection=connections["default"], role=role, password=password)
            except RoleError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(f"Granted the application role {role} its privileges on {tables} tables.")
