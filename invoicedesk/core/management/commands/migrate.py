"""`migrate` as the owner: with `DATABASE_MIGRATE_URL` set, Django's migrate connects with it (the tables' owner),
then grants the application role of `DATABASE_URL` its privileges on every table (core.db_roles), so the grants
follow every migration. Unset (development, one role): Django's migrate as it is."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from invoicedesk.core.db_roles import as_owner, grant_app_role


class Command(DjangoMigrate):
    help = f"{DjangoMigrate.help} As the owner (DATABASE_MIGRATE_URL) when set, then grants DATABASE_URL's role."

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        with as_owner(alias) as app_role:
            super().handle(*args, **options)
            if app_role is not None:
                role, password = app_role
                tables = grant_app_role(connection=connections[alias], role=role, password=password)
                if options["verbosity"] >= 1:
                    self.stdout.write(f"Granted the application role {role} its privileges on {tables} tables.")
