"""What a stream event source mapping's on-failure message says, and which commits it covers.

For a batch it gave up on, Lambda sends only a description (`DDBStreamBatchInfo`: shard, first
and last sequence number, approximate arrival of the first and last record, size, stream ARN),
never the records. Once the stream's 24 hours have passed, the sequence numbers lead nowhere:
the table does not record them. The arrival times do lead back to the table. A stream record
is created when its commit is written (its time rounded down to the second), and the commit's
`recorded_at` is read from the command function's clock shortly before that write: at most the
command function's timeout (10 s) before it, or a little after it when a stream's recorded
times are held back from going backwards across writers' clocks. So the batch's commits are
among those recorded from `slack` before its first arrival to `slack` after its last (plus the
rounded-off second), for a slack well above those 10 s and any clock skew.

The window covers more than the batch: other shards' commits of the same moments, and the
batch's neighbours that were published fine. That is safe by design: an event published again
keeps its `event_id`, and subscribers drop what they have already seen. Missing one is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, NamedTuple

from eventcore.commits import format_time, parse_time

# DynamoDB Streams rounds a record's creation time down to the second.
ARRIVAL_RESOLUTION = timedelta(seconds=1)


class NotAFailedBatch(ValueError):
    """The message is not a DynamoDB stream batch's on-failure description."""


class Window(NamedTuple):
    """Recorded times from `first` to `last`, both included, as `format_time` writes them
    (a form that sorts as it reads, so comparing the text compares the times)."""

    first: str
    last: str

    def covers(self, recorded_at: str) -> bool:
        return self.first <= recorded_at <= self.last


@dataclass(frozen=True)
class FailedBatch:
    """One `DDBStreamBatchInfo`, with who gave up on it (when the message says)."""

    shard_id: str
    first_sequence_number: str
    last_sequence_number: str
    first_arrival: datetime
    last_arrival: datetime
    size: int
    stream_arn: str
    function_arn: str | None = None
    condition: str | None = None

    @property
    def table(self) -> str:
        """The table whose stream it is: `...:table/<name>/stream/<label>`."""
        return self.stream_arn.split(":table/", 1)[-1].split("/stream/", 1)[0]

    @property
    def function_name(self) -> str | None:
        """The consumer that gave up: `arn:aws:lambda:<region>:<account>:function:<name>`."""
        if not self.function_arn:
            return None
        parts = self.function_arn.split(":")
        return parts[6] if len(parts) > 6 else None

    def window(self, slack: timedelta) -> Window:
        first = self.first_arrival - slack
        last = self.last_arrival + ARRIVAL_RESOLUTION + slack
        return Window(format_time(first), format_time(last))

    def describe(self) -> str:
        return (
            f"{self.shard_id} {self.first_sequence_number}..{self.last_sequence_number}"
            f" ({self.size} records, arrived {_second(self.first_arrival)}"
            f"..{_second(self.last_arrival)})"
        )


def failed_batch(body: str) -> FailedBatch:
    """The batch an on-failure message describes; NotAFailedBatch when it describes none."""
    try:
        message = json.loads(body)
        info = message["DDBStreamBatchInfo"]
        context: dict[str, Any] = message.get("requestContext") or {}
        first, last = (
            _utc(info[f"approximateArrivalOf{which}Record"]) for which in ("First", "Last")
        )
        return FailedBatch(
            shard_id=str(info["shardId"]),
            first_sequence_number=str(info["startSequenceNumber"]),
            last_sequence_number=str(info["endSequenceNumber"]),
            first_arrival=first,
            last_arrival=last,
            size=int(info["batchSize"]),
            stream_arn=str(info["streamArn"]),
            function_arn=context.get("functionArn"),
            condition=context.get("condition"),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as broken:
        raise NotAFailedBatch(f"not a DynamoDB stream batch description ({broken!r})") from None


def coalesce(windows: Iterable[Window], limit: int) -> list[Window]:
    """The union of `windows` as at most `limit` windows, in order: overlapping ones merged,
    then the two closest neighbours joined (with the gap between them) until few enough are
    left. A Scan's filter expression is limited in size; joining over-covers, which is safe."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    merged: list[Window] = []
    for window in sorted(windows):
        if merged and window.first <= merged[-1].last:
            merged[-1] = Window(merged[-1].first, max(merged[-1].last, window.last))
        else:
            merged.append(window)
    while len(merged) > limit:
        gaps = [
            parse_time(after.first) - parse_time(before.last) for before, after in pairwise(merged)
        ]
        n = gaps.index(min(gaps))
        merged[n : n + 2] = [Window(merged[n].first, merged[n + 1].last)]
    return merged


def _utc(text: str) -> datetime:
    moment = parse_time(text)
    if moment.tzinfo is None:
        raise ValueError(f"arrival time {text!r} has no time zone")
    return moment


def _second(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
