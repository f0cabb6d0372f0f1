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
