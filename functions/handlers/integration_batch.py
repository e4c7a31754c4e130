"""From a Lambda DynamoDB Streams batch to integration events on the bus, and back to a
partial-batch response.

Stateless and order-insensitive: each INSERT record's commit becomes one bus entry per event, in
record order, published by its category's feed (its source, its envelope). A domain without a
feed publishes nothing. A commit of a category no installed domain claims is never published
under another source: it is counted, and fails its record.

Whatever cannot be published (an entry the bus kept rejecting, an entry too large for it, a
record that cannot be read, a commit no domain claims) fails its record, and the response names
the lowest such sequence number: Lambda redelivers from there, so nothing after it is lost, and
what was already published goes out again with the same `event_id` for subscribers to drop. A
record that still fails after the mapping's retries lands, described, in the publisher's
dead-letter queue, and `esctl republish` later publishes its commits from the table: a commit
written while its domain was still being deployed to this function is published by a retry or
by that run, never lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from adapters.commit_item import from_item
from adapters.integration_bus_eventbridge import BusEntry, FailedEntry
from eventcore.categories import ByCategory, category_of
from eventcore.commits import Commit, parse_time
from eventcore.integration import IntegrationFeed

logger = Logger(child=True)

Publish = Callable[[Sequence[BusEntry]], list[FailedEntry]]


@dataclass
class Collected:
    entries: list[BusEntry] = field(default_factory=list)
    # Sequence numbers of INSERT records whose commit could not be read.
    unreadable: list[str] = field(default_factory=list)
    ignored: int = 0
    # Sequence numbers of records of streams whose category no installed domain claims.
    unclaimed: list[str] = field(default_factory=list)


# Every installed domain's category, with its feed (None: the domain publishes nothing).
Feeds = ByCategory[IntegrationFeed | None]


def bus_entries(records: Iterable[dict[str, Any]], feeds: Feeds) -> Collected:
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
        entries = commit_entries(commit, feeds, sequence_number)
        if entries is None:
            logger.error(
                "no installed domain claims this stream: not published, its record fails",
                extra={"stream_id": commit.stream_id, "sequence_number": sequence_number},
            )
            collected.unclaimed.append(sequence_number)
            continue
        collected.entries += entries
    return collected


def commit_entries(commit: Commit, feeds: Feeds, key: str) -> list[BusEntry] | None:
    """The bus entries of the commit's events, as its category's feed publishes them (none when
    its domain publishes nothing), each reported against `key`; None when no installed domain
    claims the commit's category.

    The one mapping from a commit to what goes on the bus: the stream consumer and `esctl
    republish` (which reads commits from the table) both go through it, so a republished event
    is the one the live publisher would have sent.
    """
    category = category_of(commit.stream_id)
    if category not in feeds:
        return None
    feed = feeds[category]
    if feed is None:
        return []
    return [
        BusEntry(
            key=key,
            event_id=envelope["event_id"],
            source=feed.source,
            detail_type=envelope["type"],
            detail=json.dumps(envelope, separators=(",", ":"), ensure_ascii=False),
            time=parse_time(envelope["metadata"]["recorded_at"]),
        )
        for envelope in feed.envelopes(commit)
    ]


@dataclass
class PublishReport:
    published: int = 0
    failed: list[FailedEntry] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    ignored: int = 0
    unclaimed: list[str] = field(default_factory=list)

    @property
    def failed_count(self) -> int:
        return len(self.failed) + len(self.unreadable) + len(self.unclaimed)

    def lowest_failed_sequence_number(self) -> str | None:
        failed = [f.entry.key for f in self.failed] + self.unreadable + self.unclaimed
        return min(failed, key=int) if failed else None

    def response(self) -> dict[str, Any]:
        # Lambda resumes from the lowest failed sequence number whatever else is listed, so
        # naming only that one says exactly what will happen.
        lowest = self.lowest_failed_sequence_number()
        failures = [] if lowest is None else [{"itemIdentifier": lowest}]
        return {"batchItemFailures": failures}


def publish(records: Sequence[dict[str, Any]], feeds: Feeds, put: Publish) -> PublishReport:
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
