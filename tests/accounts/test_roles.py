import pytest
from django.test import Client

from invoicedesk.accounts.models import Role
from tests import factories


@pytest.mark.parametrize(
    ("role", "refund", "approve", "links", "administer"),
    [
        (Role.VIEWER, False, False, False, False),
        (Role.OPERATOR, True, False, True, False),
        (Role.APPROVER, False, True, False, False),
        (Role.ADMIN, True, True, True, True),
    ],
)
def test_role_capabilities(role: Role, refund: bool, approve: bool, links: bool, administer: bool) -> None:
    assert role.can_request_refund is refund
    assert role.can_approve_refund is approve
    assert role.can_manage_payment_links is links
    assert role.can_administer is administer


@pytest.mark.django_db
def test_django_admin_is_for_support_staff_only(operator_client: Client) -> None:
    # Organization admins are not Django staff: the support site stays closed to them.
    response = operator_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_login_with_email_and_argon2(client: Client, settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # type: ignore[attr-defined]
    org = factories.organization()
    user = factories.member(org, Role.VIEWER, email="viewer@example.test")
    assert user.password.startswith("argon2$")
    bad = client.post("/accounts/login/", {"username": "viewer@example.test", "password": "wrong"})
    assert bad.status_code == 200 and "correct email address and password" in bad.content.decode()
    good = client.post("/accounts/login/", {"username": "viewer@example.test", "password": factories.PASSWORD})
    assert good.status_code == 302 and good["Location"] == "/billing/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/billing/").status_code == 302


@pytest.mark.django_db
def test_csrf_is_enforced_on_posts() -> None:
    org = factories.organization()
    user = factories.member(org, Role.VIEWER)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/accounts/language/", {"language": "ja"}).status_code == 403
