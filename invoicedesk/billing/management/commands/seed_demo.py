from typing import Any

from django.core.management.base import BaseCommand

from invoicedesk.billing.demo import DEMO_PASSWORD, DEMO_USERS, OTHER_USER, seed_demo


class Command(BaseCommand):
    help = "Load the demo organizations, users and invoices (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = seed_demo()
        self.stdout.write(
            f"Demo data ready: {summary.organization} and {summary.other_organization} "
            f"({summary.invoices_created} invoices created this run)."
        )
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, role in DEMO_USERS.items():
            self.stdout.write(f"  {email:<22} {role.label}")
        self.stdout.write(f"  {OTHER_USER:<22} Admin of the second organization")
