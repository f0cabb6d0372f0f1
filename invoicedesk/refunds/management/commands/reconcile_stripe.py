"""`manage.py reconcile_stripe [--organization ID] [--since YYYY-MM-DD] [--fix]`: our payments and refunds
against Stripe's. Prints a table of differences; exits 1 while differences remain (so cron can alert)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.refunds.reconcile import Difference, reconcile

COLUMNS = ("invoice_number", "kind", "reference", "ours", "stripe", "fixable")


def _table(rows: list[Difference]) -> list[str]:
    cells = [COLUMNS, *[tuple(str(getattr(row, column)) for column in COLUMNS) for row in rows]]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(COLUMNS))]
    return ["  ".join(value.ljust(width) for value, width in zip(cell, widths, strict=True)).rstrip() for cell in cells]


class Command(BaseCommand):
    help = "Compare every paid payment link with Stripe (payment, charge, refunds); --fix applies Stripe's word."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", help="an organization's id or exact name (default: all)")
        parser.add_argument("--since", help="only links paid (or issued, if unpaid) on or after this date, YYYY-MM-DD")
        parser.add_argument("--fix", action="store_true", help="apply the differences through the webhook services")

    def handle(self, *args: Any, **options: Any) -> None:
        organization_id = self._organization(options["organization"])
        since = self._since(options["since"])
        show_progress = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if show_progress and total:
                width = 30
                filled = width * done // total
                self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
                if done == total:
                    self.stderr.write("")

        remaining = reconcile(fix=options["fix"], organization_id=organization_id, since=since, progress=progress)
        if not remaining:
            self.stdout.write(self.style.SUCCESS("No differences: our records agree with Stripe."))
            return
        for line in _table(remaining):
            self.stdout.write(line)
        verb = "remain after --fix" if options["fix"] else "found (run with --fix to apply the fixable ones)"
        self.stdout.write(f"{len(remaining)} difference(s) {verb}.")
        sys.exit(1)

    def _organization(self, raw: str | None) -> int | None:
        if not raw:
            return None
        found = Organization.objects.filter(pk=int(raw)) if raw.isdigit() else Organization.objects.filter(name=raw)
        organization = found.first()
        if organization is None:
            raise CommandError(f"No organization {raw!r} (give its id or exact name).")
        return organization.pk

    def _since(self, raw: str | None) -> datetime | None:
        if not raw:
            return None
        try:
            day = datetime.strptime(raw, "%Y-%m-%d")
        except ValueError:
            raise CommandError(f"--since takes a date as YYYY-MM-DD, not {raw!r}.") from None
        return timezone.make_aware(day)
