"""Fault injection at the botocore layer: the adapters see exactly what AWS would send."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse

THROTTLED = {
    "Error": {
        "Code": "ProvisionedThroughputExceededException",
        "Message": "Rate of requests exceeds the allowed throughput.",
    },
    "ResponseMetadata": {"HTTPStatusCode": 400},
}


def cancelled(*codes: str) -> dict[str, Any]:
    """A TransactWriteItems cancellation with one reason per action, as DynamoDB reports it."""
    return {
        "Error": {
            "Code": "TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons [{codes}]",
        },
        "CancellationReasons": [{"Code": code} for code in codes],
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }


class Throttle:
    """Makes `operation` on `client` fail the next `times` calls: with a throttling error, or
    with `error` (a parsed error response)."""

    def __init__(
        self, client: Any, operation: str, times: int, error: dict[str, Any] | None = None
    ) -> None:
        self.remaining = times
        self.calls = 0
        self.error = error or THROTTLED
        client.meta.events.register_first(f"before-call.dynamodb.{operation}", self._maybe_fail)

    def _maybe_fail(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.calls += 1
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        return AWSResponse("https://dynamodb.invalid", 400, {}, None), self.error
