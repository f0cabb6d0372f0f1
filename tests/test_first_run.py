"""`make run`'s first minute: pages say the demo data is loading instead of showing half of it."""

from typing import Any

import pytest
from django.test import Client

from invoicedesk.devtools.demo import demo_loading_marker

pytestmark = pytest.mark.django_db


@pytest.fixture
def loading(settings: Any, tmp_path: Any) -> Any:
    # As in the web server `make run` starts (INVOICEDESK_DEMO_SERVER=1); nowhere else.
    settings.MIDDLEWARE = [settings.MIDDLEWARE[0], settings.DEMO_LOADING_MIDDLEWARE, *settings.MIDDLEWARE[1:]]
    settings.VAR_DIR = tmp_path
    demo_loading_marker().touch()
    yield
    demo_loading_marker().unlink(missing_ok=True)


def test_pages_say_the_demo_data_is_loading_while_it_loads(loading: None, operator_client: Client) -> None:
    for path in ("/billing/", "/accounts/login/"):
        page = operator_client.get(path)
        assert page.status_code == 503 and page["Retry-After"] == "2", path
        assert 'data-testid="demo-loading"' in page.content.decode() and 'http-equiv="refresh"' in page.content.decode()
    # What the loading needs still gets through: Stripe's webhooks (refused here for the signature, not the
    # loading) and the health check the demo waits on.
    assert operator_client.post("/stripe/webhook/", b"{}", content_type="application/json").status_code == 400
    assert operator_client.get("/healthz").json()["status"] == "ok"
    demo_loading_marker().unlink()
    assert operator_client.get("/billing/").status_code == 200


def test_outside_make_run_a_leftover_marker_changes_nothing(
    settings: Any, tmp_path: Any, operator_client: Client
) -> None:
    settings.VAR_DIR = tmp_path
    demo_loading_marker().touch()  # e.g. left by a killed `make run`
    assert operator_client.get("/billing/").status_code == 200


def test_the_health_check_answers_without_signing_in(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("name", ["django.request", "django.server", "invoicedesk.refunds"])
def test_each_log_line_is_printed_once(name: str) -> None:
    import logging

    # Walk the logger's chain as logging does and count the stream handlers a record would reach.
    logger: logging.Logger | None = logging.getLogger(name)
    reached = 0
    while logger is not None:
        reached += sum(type(handler) is logging.StreamHandler for handler in logger.handlers)  # not pytest's
        logger = logger.parent if logger.propagate else None
    assert reached == 1, name
