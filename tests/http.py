import re
from html.parser import HTMLParser
from typing import Any


def streamed_text(response: Any, encoding: str = "utf-8-sig") -> str:
    """The whole body of a StreamingHttpResponse from the test client."""
    assert response.streaming, "expected a streamed response"
    return b"".join(response.streaming_content).decode(encoding)


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea = form_id, False, "", ""
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or (not a.get("name") and tag in ("input", "select", "textarea")):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.data[a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "select":
            self.select = a["name"]
            self.data.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.data[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[self.textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = ""
        elif tag == "textarea":
            self.textarea = ""
        elif tag == "form":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea] += data.lstrip("\n") if not self.data[self.textarea] else data


def form_values(html: str, form_id: str) -> dict[str, str]:
    """What a browser would submit from the form with this id, unchanged (no button pressed)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.data


def refund_form_fields(client: Any, invoice_id: int) -> dict[str, str]:
    """What the Refund Billing Amount modal carries when it is opened: its key and the payment state it shows."""
    html = client.get(f"/billing/invoices/{invoice_id}/refund/").content.decode()
    fields = {}
    for name in ("idempotency_key", "shown_refundable", "payment_state"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        assert match, f"the refund form carries {name}"
        fields[name] = match[1]
    return fields
