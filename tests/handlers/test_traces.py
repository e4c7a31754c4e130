"""The HTTP functions never put a response (which may hold an account holder's name) into a
trace: X-Ray would keep it where erasure cannot reach."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("stack")


class RecordingTracer:
    def __init__(self) -> None:
        self.options: list[dict[str, Any]] = []

    def capture_lambda_handler(self, handler: Any = None, **options: Any) -> Any:
        self.options.append(options)
        if handler is not None:  # used bare, as @tracer.capture_lambda_handler
            return handler
        return lambda function: function


def test_http_responses_are_not_captured_into_traces(monkeypatch):
    from handlers import http_entry, tracing

    recorded = RecordingTracer()
    monkeypatch.setattr(tracing, "tracer", lambda: recorded)
    http_entry.http_entry(frozenset({"GET"}), "Query")
    assert recorded.options == [{"capture_response": False}]
