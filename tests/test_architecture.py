"""The house rules that import-linter's layers contract (make lint) does not cover, checked on the import graph."""

from pathlib import Path

import grimp

GATEWAY = "invoicedesk.stripe_integration.gateway"


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    modules = sorted(m for m in graph.modules if m.startswith("invoicedesk"))
    imports = {
        m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n.startswith("invoicedesk")) for m in modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in imports[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_two_modules_import_each_other_directly_or_around_a_circle() -> None:
    # Imports inside functions count too: grimp reads every import statement.
    assert _cycles(grimp.build_graph("invoicedesk")) == []


def test_only_the_gateway_imports_stripe() -> None:
    graph = grimp.build_graph("invoicedesk", include_external_packages=True)
    assert graph.find_modules_that_directly_import("stripe") == {GATEWAY}


def test_the_gateway_holds_no_test_mode_code() -> None:
    source = Path("invoicedesk/stripe_integration/gateway.py").read_text()
    for test_only in ("test_card", "pm_card", "override", "STRIPE_TEST_CARD_FORM"):
        assert test_only not in source, test_only


def test_billing_knows_nothing_of_payments_or_refunds() -> None:
    graph = grimp.build_graph("invoicedesk")
    for module in ("invoicedesk.billing.models", "invoicedesk.billing.selectors"):
        reached = graph.find_upstream_modules(module)  # what it imports, directly or not
        assert not {m for m in reached if m.startswith(("invoicedesk.payments", "invoicedesk.refunds"))}, module


def test_nothing_locks_an_organization_row_against_foreign_key_checks() -> None:
    """Every audited write holds its chain's head until commit, where PostgreSQL checks its foreign keys
    (FOR KEY SHARE on the organization); a plain FOR UPDATE on that row meanwhile, taken before writing audit,
    deadlocks with it (seen in `make run`). FOR NO KEY UPDATE serialises just as well and lets the checks pass."""
    offenders = [
        f"{path}:{number}"
        for path in Path("invoicedesk").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "Organization.objects.select_for_update(" in line and "no_key=True" not in line
    ]
    assert offenders == []


def test_business_events_are_explicit_calls_not_signals_of_ours() -> None:
    """A refund's or an alert's follow-up in an app above is a typed hook the owning service calls (core.hooks),
    not a django.dispatch.Signal: no module of ours declares one."""
    declared = [
        f"{path}:{number}"
        for path in Path("invoicedesk").rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "Signal(" in line and "class " not in line
    ]
    assert declared == []


def test_every_hook_has_its_one_registrant_once_the_apps_are_ready() -> None:
    from invoicedesk.alerts import hooks as alert_hooks
    from invoicedesk.core.hooks import declared_hooks
    from invoicedesk.refunds import hooks as refund_hooks

    hooks = {hook.name: hook for hook in declared_hooks()}
    assert {"refunds.refund_succeeded", "refunds.refund_reversed", "alerts.alert_raised"} <= set(hooks)
    assert all(hook.registered for hook in hooks.values()), [name for name, h in hooks.items() if not h.registered]
    # The buyer's email follows the success; the return invoice is documents' own task, queued by name.
    assert refund_hooks.refund_succeeded.call.__module__ == "invoicedesk.notifications.services"
    assert alert_hooks.alert_raised.call.__module__ == "invoicedesk.notifications.services"


def test_every_doc_says_the_same_of_email_delivery() -> None:
    """Emails are delivered at least once, de-duplicated by Message-ID: said so everywhere, and nothing says
    exactly once or at most once (issue 19 found all three)."""
    sources = ["README.md", "docs/architecture.md", "docs/stripe.md", "docs/design.md"]
    sources += [str(path) for path in Path("invoicedesk/notifications").glob("*.py")]
    texts = {source: " ".join(Path(source).read_text().split()) for source in sources}
    for source in ("README.md", "docs/architecture.md", "docs/stripe.md", "invoicedesk/notifications/delivery.py"):
        assert "at least once, de-duplicated by Message-ID" in texts[source], source
    for source, text in texts.items():
        assert "exactly once" not in text and "at most once" not in text, source
