from typing import Any


def streamed_text(response: Any, encoding: str = "utf-8-sig") -> str:
    """The whole body of a StreamingHttpResponse from the test client."""
    assert response.streaming, "expected a streamed response"
    return b"".join(response.streaming_content).decode(encoding)
