"""Publishing entries to an EventBridge bus within its limits, never dropping one silently.

`PutEvents` takes at most 10 entries and 256 KB per request and may accept some entries of a
request while rejecting others (`FailedEntryCount`, an `ErrorCode` per rejected entry). Entries
are therefore batched by count and by size as EventBridge measures it, only the rejected ones are
sent again (a bounded number of times, with backoff), and whatever still fails is handed back to
the caller, which owns the failure path. An entry too large to ever be accepted is not sent at
all and is handed back the same way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

MAX_ENTRIES_PER_REQUEST = 10
# Both the limit of one entry and of a whole request (the sum of its entries' sizes).
MAX_REQUEST_BYTES = 256 * 1024
# EventBridge counts a given `Time` as 14 bytes, whatever its value.
TIME_BYTES = 14
# Our own error code for an entry over the limit, which we never send.
ENTRY_TOO_LARGE = "EntryTooLarge"


@dataclass(frozen=True, slots=True)
class BusEntry:
    """One event for the bus. `key` and `event_id` are ours, not EventBridge's: `key` is what
    the caller reports a failure against (e.g. the stream record it came from), `event_id`
    names the event in logs."""

    key: str
    event_id: str
    source: str
    detail_type: str
    detail: str
    time: datetime | None = None

    def size(self) -> int:
        """The entry's size as EventBridge computes it against its 256 KB limit."""
        size = TIME_BYTES if self.time is not None else 0
        for text in (self.source, self.detail_type, self.detail):
            size += len(text.encode("utf-8"))
        return size

    def request(self, bus_name: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "EventBusName": bus_name,
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": self.detail,
        }
        if self.time is not None:
            entry["Time"] = self.time
        return entry


@dataclass(frozen=True, slots=True)
class FailedEntry:
    entry: BusEntry
    error_code: str
    error_message: str
    attempts: int


def batches(
    entries: Sequence[BusEntry],
    *,
    max_entries: int = MAX_ENTRIES_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> Iterator[list[BusEntry]]:
    """Consecutive runs of `entries` that each fit one request (every entry must fit alone)."""
    batch: list[BusEntry] = []
    size = 0
    for entry in entries:
        entry_size = entry.size()
        if batch and (len(batch) == max_entries or size + entry_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += entry_size
    if batch:
        yield batch


class EventBridgePublisher:
    """Puts entries on one bus. `publish` returns the entries that could not be put."""

    def __init__(
        self,
        events: Any,
        bus_name: str,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.events = events
        self.bus_name = bus_name
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self._sleep = sleep
        self._jitter = jitter

    def publish(self, entries: Sequence[BusEntry]) -> list[FailedEntry]:
        failed = [
            FailedEntry(e, ENTRY_TOO_LARGE, f"{e.size()} bytes > {MAX_REQUEST_BYTES}", 0)
            for e in entries
            if e.size() > MAX_REQUEST_BYTES
        ]
        sendable = [e for e in entries if e.size() <= MAX_REQUEST_BYTES]
        pending = list(batches(sendable))
        while pending:
            batch = pending.pop(0)
            try:
                failed += self._put_with_retries(batch)
            except (BotoCoreError, ClientError) as broken:
                # The request itself failed after botocore's own retries (throttled, timed out,
                # denied): the bus is unavailable, so the rest is not tried in this invocation.
                # Every entry not put is handed back; the caller's failure path redelivers them.
                code = _error_code(broken)
                for entry in [e for rest in [batch, *pending] for e in rest]:
                    failed.append(FailedEntry(entry, code, str(broken), 1))
                pending = []
        return failed

    def _put_with_retries(self, batch: list[BusEntry]) -> list[FailedEntry]:
        rejected: list[tuple[BusEntry, str, str]] = []
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                self._back_off(attempt - 1)
            response = self.events.put_events(Entries=[e.request(self.bus_name) for e in batch])
            if not response.get("FailedEntryCount"):
                return []
            # Results come back in request order; a rejected entry has an ErrorCode.
            results = response.get("Entries") or [{} for _ in batch]
            rejected = [
                (entry, result["ErrorCode"], result.get("ErrorMessage", ""))
                for entry, result in zip(batch, results, strict=True)
                if result.get("ErrorCode")
            ]
            if not rejected:
                # Failures counted but none named: which entries to resend is unknowable, so
                # all of them are (duplicates are harmless, a lost entry is not).
                rejected = [
                    (e, "Unidentified", "FailedEntryCount without ErrorCode") for e in batch
                ]
            batch = [entry for entry, _, _ in rejected]
        return [FailedEntry(e, code, message, self.max_attempts) for e, code, message in rejected]

    def _back_off(self, retry: int) -> None:
        # Exponential with jitter, so concurrent publishers throttled together spread out.
        delay = self.base_delay * 2 ** (retry - 1)
        self._sleep(delay * (0.5 + self._jitter() / 2))


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "ClientError"))
    return type(error).__name__
