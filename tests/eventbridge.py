"""A hand-written EventBridge fake for the publisher's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.integration_bus_eventbridge import MAX_REQUEST_BYTES

Reject = Callable[[dict[str, Any], int], str | None]


class FakeEventBridge:
    """Answers PutEvents like EventBridge: per-entry results, rejected ones with an ErrorCode.

    `reject(entry, attempt)` names the error for an entry on its n-th submission (1-based), or
    None to accept it."""

    def __init__(self, reject: Reject = lambda entry, attempt: None, delegate: Any = None) -> None:
        self.reject = reject
        # Accepted entries are passed on to this client when given (e.g. moto's).
        self.delegate = delegate
        self.calls: list[list[dict[str, Any]]] = []
        self.accepted: list[dict[str, Any]] = []
        self._submissions: dict[str, int] = {}

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        assert 1 <= len(Entries) <= 10
        assert sum(size_of(entry) for entry in Entries) <= MAX_REQUEST_BYTES
        self.calls.append(Entries)
        results: list[dict[str, Any]] = []
        for entry in Entries:
            attempt = self._submissions[entry["Detail"]] = (
                self._submissions.get(entry["Detail"], 0) + 1
            )
            code = self.reject(entry, attempt)
            if code is None:
                self.accepted.append(entry)
                if self.delegate is not None:
                    self.delegate.put_events(Entries=[entry])
                results.append({"EventId": f"id-{len(self.accepted)}"})
            else:
                results.append({"ErrorCode": code, "ErrorMessage": f"{code} for the test"})
        failed = sum("ErrorCode" in result for result in results)
        return {"FailedEntryCount": failed, "Entries": results}


def size_of(entry: dict[str, Any]) -> int:
    size = 14 if "Time" in entry else 0
    return size + sum(len(entry[k].encode()) for k in ("Source", "DetailType", "Detail"))
