from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from invoicedesk.devtools.demo import DEMO_PASSWORD, DEMO_USERS, OTHER_USER, demo_refusal, seed_demo
from invoicedesk.stripe_integration.gateway import StripeUnavailable


class Command(BaseCommand):
    help = "Load the demo organizations, users and invoices, paying some through Stripe (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--connect-accounts",
            action="store_true",
            help="connect each organization's own Stripe account first (needs Connect: `make run`'s double)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if (refusal := demo_refusal()) is not None:
            raise CommandError(refusal)
        try:
            summary = seed_demo(connect_accounts=options["connect_accounts"])
        except StripeUnavailable as error:
            where = settings.STRIPE_API_BASE or "Stripe"
            raise CommandError(
                f"{error.message} The demo pays invoices through Stripe ({where}); `make run` starts localstripe."
            ) from error
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            f"Demo data ready: {summary.organization} and {summary.other_organization} "
            f"({summary.invoices_created} invoices created this run)."
        )
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for email, role in DEMO_USERS.items():
            self.stdout.write(f"  {email:<22} {role.label}")
        self.stdout.write(f"  {OTHER_USER:<22} Admin of the second organization")
