import pytest
from django.contrib import admin
from django.test import Client

from invoicedesk.accounts.models import User


@pytest.mark.django_db
def test_support_staff_can_open_every_admin_list(client: Client) -> None:
    client.force_login(User.objects.create_superuser("support@invoicedesk.example", "x"))
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_support_staff_cannot_change_the_money_of_an_invoice_that_has_a_payment(client: Client) -> None:
    from invoicedesk.billing.models import BillingInvoice
    from invoicedesk.payments.models import PaymentLinkStatus
    from tests import factories

    client.force_login(User.objects.create_superuser("support@invoicedesk.example", "x"))
    org = factories.organization()
    paid = factories.invoice(org, amount=110_000, link_status=PaymentLinkStatus.PAID)
    form = {
        "organization": org.pk,
        "number": paid.number,
        "buyer": paid.buyer_id,
        "issue_date": "2026-04-01",
        "due_date": "2026-05-01",
        "amount": "1000",
        "currency": "USD",
        "payment_method": "online_payment_link",
        "created_at_0": "2026-04-01",
        "created_at_1": "00:00:00",
    }
    client.post(f"/admin/billing/billinginvoice/{paid.pk}/change/", form)
    paid.refresh_from_db()
    assert (paid.amount, paid.currency) == (110_000, "JPY")
    page = client.get(f"/admin/billing/billinginvoice/{paid.pk}/change/").content.decode()
    assert 'name="amount"' not in page and 'name="currency"' not in page
    for path in ("payments/paymentlink", "refunds/refund", "stripe_events/stripeevent"):
        assert client.get(f"/admin/{path}/add/").status_code == 403, path
    unpaid = factories.invoice(org, link_status=None)
    assert 'name="amount"' in client.get(f"/admin/billing/billinginvoice/{unpaid.pk}/change/").content.decode()
    assert BillingInvoice.objects.count() == 2


@pytest.mark.django_db
def test_every_change_made_in_the_admin_is_audited_without_secrets(client: Client) -> None:
    from datetime import timedelta

    from invoicedesk.accounts.models import AddonContract, Membership, Role
    from invoicedesk.audit.models import AuditAction, AuditEntry
    from tests import factories
    from tests.http import form_values

    support = User.objects.create_superuser("support@invoicedesk.example", "x")
    client.force_login(support)
    org = factories.organization()
    contract = AddonContract.objects.get(organization=org)
    member = factories.member(org, Role.OPERATOR, email="op@example.test")
    membership = Membership.objects.get(user=member)

    def entries() -> list[AuditEntry]:
        return list(AuditEntry.objects.filter(action__startswith="admin.").order_by("id"))

    # The add-on contract ends, through the organization page's inline row.
    url = f"/admin/accounts/organization/{org.pk}/change/"
    data = form_values(client.get(url).content.decode(), "organization_form")
    ends = (contract.starts_at + timedelta(days=400)).strftime("%Y-%m-%d")
    data["addon_contracts-0-ends_at_0"], data["addon_contracts-0-ends_at_1"] = ends, "00:00:00"
    assert client.post(url, data).status_code == 302
    [ended] = entries()
    assert (ended.action, ended.object_type, ended.object_id) == (
        AuditAction.ADMIN_CHANGE,
        "accounts.AddonContract",
        str(contract.pk),
    )
    assert ended.organization_id == org.pk and ended.actor == support and ended.ip_address == "127.0.0.1"
    assert ended.before == {"ends_at": None} and ended.after["ends_at"].startswith(ends)

    # A role changes, then the membership goes.
    url = f"/admin/accounts/membership/{membership.pk}/change/"
    data = form_values(client.get(url).content.decode(), "membership_form")
    data["role"] = Role.ADMIN
    assert client.post(url, data).status_code == 302
    assert (entries()[-1].before, entries()[-1].after) == ({"role": Role.OPERATOR}, {"role": Role.ADMIN})
    url = f"/admin/accounts/membership/{membership.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    removed = entries()[-1]
    assert (removed.action, removed.object_id, removed.organization_id) == (
        AuditAction.ADMIN_DELETE,
        str(membership.pk),
        org.pk,
    )

    # A password set by support staff is audited as changed; its hash never reaches the trail.
    url = f"/admin/accounts/user/{member.pk}/password/"
    response = client.post(url, {"password1": "A-new-pass-2026", "password2": "A-new-pass-2026"})
    assert response.status_code == 302
    changed = entries()[-1]
    assert changed.object_id == str(member.pk) and changed.after == {"password": "(changed)"}
    member.refresh_from_db()
    assert all(member.password not in str(e.before) + str(e.after) for e in AuditEntry.objects.all())
    # Nor does a new person's password, typed twice on the add page.
    secret = "Plain-Text-Secret-77"
    added = client.post(
        "/admin/accounts/user/add/",
        {"email": "new@example.test", "password1": secret, "password2": secret, "usable_password": "true"}
        | {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
    )
    assert added.status_code == 302 and User.objects.filter(email="new@example.test").exists()
    assert entries()[-1].action == AuditAction.ADMIN_ADD and entries()[-1].after["email"] == "new@example.test"
    assert all(secret not in str(e.before) + str(e.after) for e in AuditEntry.objects.all())
    # Nothing that changes nothing leaves an entry.
    count = len(entries())
    url = f"/admin/accounts/organization/{org.pk}/change/"
    assert client.post(url, form_values(client.get(url).content.decode(), "organization_form")).status_code == 302
    assert len(entries()) == count
