"""One table of error codes: every ErrorCode carries its status, the pages and the API answer it alike, the API's
documented codes are its members, and a free string in its place does not type-check."""

import json
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from mypy import api as mypy_api

from invoicedesk.api.errors import error_answer
from invoicedesk.core.errors import AppError, ErrorCode, Forbidden, InvalidInput, NotFound, ServiceError
from invoicedesk.core.http import ServiceErrorMiddleware

ROOT = Path(__file__).resolve().parents[2]
# By value, as a client reads it (ErrorCode("refused") works too, but mypy reads it as a call to __new__).
BY_VALUE = {code.value: code for code in ErrorCode}


def test_every_code_carries_an_http_error_status() -> None:
    for code in ErrorCode:
        assert isinstance(code.status, int) and 400 <= code.status <= 599, code
    assert BY_VALUE["refused"] is ErrorCode.REFUSED and ErrorCode.REFUSED.status == 409


def test_not_found_and_forbidden_are_not_service_errors() -> None:
    # A view's `except ServiceError` (a message next to its form) lets them pass to the 404/403 answer.
    assert not issubclass(NotFound, ServiceError) and not issubclass(Forbidden, ServiceError)
    assert NotFound("x").status == 404 and Forbidden("x").status == 403
    assert InvalidInput("x").status == 422 and ServiceError("x").code is ErrorCode.REFUSED


@pytest.mark.parametrize("error_class", [ServiceError, NotFound, Forbidden])
@pytest.mark.parametrize("code", list(ErrorCode))
def test_the_pages_and_the_api_answer_a_code_with_the_same_status(
    error_class: type[AppError], code: ErrorCode, rf: RequestFactory
) -> None:
    error = error_class("Because.", code=code, field="amount")
    page = ServiceErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    response = page.process_exception(rf.get("/billing/", headers={"Accept": "application/json"}), error)
    assert response is not None and response.status_code == code.status
    assert json.loads(response.content) == {"error": {"code": code.value, "message": "Because."}}
    status, body = error_answer(error)
    assert status == code.status and body == {
        "code": code.value,
        "message": "Because.",
        "field": "amount",
        "details": {},
    }


def test_the_codes_and_statuses_docs_api_md_promises_are_the_enums() -> None:
    table = re.findall(r"^\| (\d{3}) \| `(\w+)` \|", (ROOT / "docs" / "api.md").read_text(), re.M)
    assert len(table) >= 20
    for status, value in table:
        assert BY_VALUE[value].status == int(status), value


def test_a_free_string_for_a_code_does_not_type_check(tmp_path: Path) -> None:
    snippet = tmp_path / "free_string.py"
    snippet.write_text('from invoicedesk.core.errors import ServiceError\nServiceError("No.", code="no_such_code")\n')
    report, _, status = mypy_api.run(
        ["--config-file", "", "--cache-dir", str(tmp_path / "cache"), "--follow-imports", "silent", str(snippet)]
    )
    assert status == 1 and 'incompatible type "str"; expected "ErrorCode | None"' in report, report
