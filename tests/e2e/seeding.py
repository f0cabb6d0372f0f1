"""The demo data for the browser tests, seeded once per session: see the `demo` fixture in conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import connection, transaction
from django.db.models import Model

from invoicedesk.devtools.localstripe import LocalStripe
from tests import worker

# What tests/conftest.py's autouse fixtures set for every test; the session-scoped seeding runs outside them.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WORKER_AT_COMMIT = {"default": {"BACKEND": worker.BACKEND}}


def stripe_settings(server: LocalStripe) -> dict[str, Any]:
    """The settings tests/conftest.py's `stripe_server` sets, for another localstripe."""
    return {
        "STRIPE_API_BASE": server.url,
        "STRIPE_SECRET_KEY": "sk_test_invoicedesk",
        "STRIPE_TEST_CARD_FORM": True,
        "STRIPE_WEBHOOK_SECRET": "whsec_test_invoicedesk",
    }


def _every_row() -> Iterator[Model]:
    for model in apps.get_models():
        if model._meta.can_migrate(connection):  # its own table: not proxy, unmanaged or swapped
            yield from model._base_manager.order_by(model._meta.pk.name).iterator()


def dump_database() -> list[dict[str, Any]]:
    """Every row of every model (many-to-many links with their rows), with their primary keys.

    What serialized_rollback does, but through the python serializer: the JSON one behind
    serialize_db_to_string() cuts datetimes to the millisecond, and only covers migrated apps.
    """
    rows: list[dict[str, Any]] = serializers.serialize("python", _every_row())
    return rows


def load_database(rows: list[dict[str, Any]]) -> None:
    """Load a dump_database() into an empty database (content types and permissions included).

    As deserialize_db_from_string() does, in one transaction so rows may refer to rows loaded after
    them, but inserting straight away: the database is empty, so no UPDATE needs trying first.
    """
    tables: set[str] = set()
    with transaction.atomic(), connection.constraint_checks_disabled():
        for row in serializers.deserialize("python", rows):
            row.save(force_insert=True)
            tables.add(row.object._meta.db_table)
        connection.check_constraints(table_names=sorted(tables))
