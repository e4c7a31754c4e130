"""From a Lambda DynamoDB Streams batch to integration events on the bus, and back to a
partial-batch response.

Stateless and order-insensitive: each INSERT record's commit becomes one bus entry per event, in
record order, published by its category's feed (its source, its envelope). A commit of a
category no domain publishes is skipped and counted, never published under another source.

Whatever cannot be published (an entry the bus kept rejecting, an entry too large for it, a
record that cannot be read) fails its record, and the response names the lowest such sequence
number: Lambda redelivers from there, so nothing after it is lost, and what was already
published goes out again with the same `event_id` for subscribers to drop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from adapters.commit_item import from_item
from adapters.integration_bus_eventbridge import BusEntry, FailedEntry
from eventcore.categories import ByCategory
from eventcore.commits import parse_time
from eventcore.integration import IntegrationFeed

logger = Logger(child=True)

Publish = Callable[[Sequence[BusEntry]], list[FailedEntry]]


@dataclass
class Collected:
    entries: list[BusEntry] = field(default_factory=list)
    # Sequence numbers of INSERT records whose commit could not be read.
    unreadable: list[str] = field(default_factory=list)
    ignored: int = 0
    # Records of streams whose category no domain publishes.
    unclaimed: int = 0


def bus_entries(records: Iterable[dict[str, Any]], feeds: ByCategory[IntegrationFeed]) -> Collected:
    collected = Collected()
    for record in records:
        change = record.get("dynamodb", {})
        sequence_number = str(change.get("SequenceNumber", "0"))
        if record.get("eventName") != "INSERT":
            # Commits are never modified or removed by the ledger; the projector raises the
            # alarm for that. There is nothing to publish.
            logger.info(
                "not an insert: ignored",
                extra={"event_name": record.get("eventName"), "sequence_number": sequence_number},
            )
            collected.ignored += 1
            continue
        try:
            commit = from_item(change["NewImage"])
        except (KeyError, ValueError, TypeError) as broken:
            logger.error(
                "unreadable commit: its record fails",
                extra={"sequence_number": sequence_number, "error": f"{broken!r}"},
            )
            collected.unreadable.append(sequence_number)
            continue
        feed = feeds.get(commit.stream_id)
        if feed is None:
            logger.warning(
                "no domain publishes this stream: skipped",
                extra={"stream_id": commit.stream_id, "sequence_number": sequence_number},
            )
            collected.unclaimed += 1
            continue
        for envelope in feed.envelopes(commit):
            collected.entries.append(
                BusEntry(
                    key=sequence_number,
                    event_id=envelope["event_id"],
                    source=feed.source,
                    detail_type=envelope["type"],
                    detail=json.dumps(envelope, separators=(",", ":"), ensure_ascii=False),
                    time=parse_time(envelope["metadata"]["recorded_at"]),
                )
            )
    return collected


@dataclass
class PublishReport:
    published: int = 0
    failed: list[FailedEntry] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    ignored: int = 0
    unclaimed: int = 0

    @property
    def failed_count(self) -> int:
        return len(self.failed) + len(self.unreadable)

    def lowest_failed_sequence_number(self) -> str | None:
        failed = [f.entry.key for f in self.failed] + self.unreadable
        return min(failed, key=int) if failed else None

    def response(self) -> dict[str, Any]:
        # Lambda resumes from the lowest failed sequence number whatever else is listed, so
        # naming only that one says exactly what will happen.
        lowest = self.lowest_failed_sequence_number()
        failures = [] if lowest is None else [{"itemIdentifier": lowest}]
        return {"batchItemFailures": failures}


def publish(
    records: Sequence[dict[str, Any]], feeds: ByCategory[IntegrationFeed], put: Publish
) -> PublishReport:
    collected = bus_entries(records, feeds)
    failed = put(collected.entries) if collected.entries else []
    for failure in failed:
        logger.error(
            "integration event not published",
            extra={
                "event_id": failure.entry.event_id,
                "detail_type": failure.entry.detail_type,
                "sequence_number": failure.entry.key,
                "error_code": failure.error_code,
                "error_message": failure.error_message,
                "attempts": failure.attempts,
                "size": failure.entry.size(),
            },
        )
    return PublishReport(
        published=len(collected.entries) - len(failed),
        failed=failed,
        unreadable=collected.unreadable,
        ignored=collected.ignored,
        unclaimed=collected.unclaimed,
    )
