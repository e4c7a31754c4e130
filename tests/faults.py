"""Fault injection at the botocore layer: the adapters see exactly what AWS would send."""

from __future__ import annotations

from typing import Any

from botocore.awsrequest import AWSResponse


class Throttle:
    """Makes `operation` on `client` fail with a throttling error the next `times` calls."""

    def __init__(self, client: Any, operation: str, times: int) -> None:
        self.remaining = times
        self.calls = 0
        client.meta.events.register_first(f"before-call.dynamodb.{operation}", self._maybe_fail)

    def _maybe_fail(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        self.calls += 1
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        error = {
            "Error": {
                "Code": "ProvisionedThroughputExceededException",
                "Message": "Rate of requests exceeds the allowed throughput.",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return AWSResponse("https://dynamodb.invalid", 400, {}, None), error
