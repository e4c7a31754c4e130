"""A local stand-in for Lambda's DynamoDB Streams event source mapping.

It follows the semantics the stack configures: batches of up to `batch_size` records gathered for
at most `batching_window` seconds; a partial-batch response makes the shard resume at the lowest
failed sequence number; a function error bisects the batch; after `retry_attempts` retries the
batch's description goes to the on-failure destination and the shard moves on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from esctl.stream_records import StreamReader

Handler = Callable[[dict[str, Any]], dict[str, Any] | None]
OnFailure = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class MappingSettings:
    batch_size: int = 100
    batching_window: float = 1.0
    retry_attempts: int = 5
    bisect_on_error: bool = True
    poll_interval: float = 0.1


class EventSourceMapping:
    def __init__(
        self,
        reader: StreamReader,
        handler: Handler,
        on_failure: OnFailure,
        settings: MappingSettings = MappingSettings(),
        *,
        clock: Callable[[], float] = time.monotonic,
        # Named in on-failure messages, as Lambda names the function that gave up.
        function_arn: str | None = None,
    ) -> None:
        self.reader = reader
        self.function_arn = function_arn
        self.handler = handler
        self.on_failure = on_failure
        self.settings = settings
        self._clock = clock
        self._first_seen: dict[str, float] = {}
        self._attempts: dict[tuple[str, str], int] = {}
        self.invocations = 0

    def run_once(self, *, flush: bool = False) -> int:
        """Deliver what is due on every shard; return the number of records handed over."""
        delivered = 0
        for shard_id in self.reader.shards():
            records = self.reader.read(shard_id, self.settings.batch_size)
            if not records or not (flush or self._due(shard_id, len(records))):
                continue
            self._first_seen.pop(shard_id, None)
            delivered += len(records)
            self._deliver(shard_id, records)
        return delivered

    def _due(self, shard_id: str, count: int) -> bool:
        if count >= self.settings.batch_size:
            return True
        first = self._first_seen.setdefault(shard_id, self._clock())
        return self._clock() - first >= self.settings.batching_window

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        failed_at = self._invoke(shard_id, records)
        if failed_at is None:
            self.reader.advance(shard_id, records[-1]["dynamodb"]["SequenceNumber"])
            return
        key = (shard_id, failed_at)
        self._attempts[key] = self._attempts.get(key, 0) + 1
        if self._attempts[key] <= self.settings.retry_attempts:
            self.reader.rewind(shard_id, failed_at)
            return
        # Retries exhausted: bisecting has narrowed the failure down to this record (or the
        # function named it); record where it was, move past it, and go on with the rest.
        del self._attempts[key]
        failing = [r for r in records if r["dynamodb"]["SequenceNumber"] == failed_at]
        self.on_failure(self._failure_record(shard_id, failing))
        self.reader.advance(shard_id, failed_at)

    def _invoke(self, shard_id: str, records: list[dict[str, Any]]) -> str | None:
        """Call the handler (bisecting on a function error); the lowest failed sequence number."""
        self.invocations += 1
        try:
            response = self.handler({"Records": records}) or {}
        except Exception:
            if not self.settings.bisect_on_error or len(records) == 1:
                return str(records[0]["dynamodb"]["SequenceNumber"])
            middle = len(records) // 2
            for half in (records[:middle], records[middle:]):
                failed = self._invoke(shard_id, half)
                if failed is not None:
                    return failed
            return None
        failures = [f["itemIdentifier"] for f in response.get("batchItemFailures", [])]
        return min(failures, key=int) if failures else None

    def _failure_record(self, shard_id: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        # Lambda's shape: the batch's position and arrival times, never its records.
        context = {"condition": "RetryAttemptsExhausted"}
        if self.function_arn is not None:
            context["functionArn"] = self.function_arn
        return {
            "requestContext": context,
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _arrival(records[0]),
                "approximateArrivalOfLastRecord": _arrival(records[-1]),
                "batchSize": len(records),
                "streamArn": self.reader.arn,
            },
        }


def _arrival(record: dict[str, Any]) -> str:
    """A record's creation time as Lambda writes it into DDBStreamBatchInfo: whole seconds, `Z`."""
    created = datetime.fromtimestamp(int(record["dynamodb"]["ApproximateCreationDateTime"]), UTC)
    return created.strftime("%Y-%m-%dT%H:%M:%SZ")
