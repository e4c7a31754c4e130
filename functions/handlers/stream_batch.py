"""From a Lambda DynamoDB Streams batch to per-stream projection, and back to a partial-batch
response.

Records are grouped by stream so each stream costs one write per read model per batch. A stream
that fails for a transient reason is reported by its lowest sequence number in the batch; Lambda
then redelivers from there, and what was already applied is skipped by the high-water marks. A
stream of a category no domain claims is skipped and counted, never projected anywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from adapters.commit_item import from_item
from eventcore.commits import Commit
from eventcore.projector import Result

logger = Logger(child=True)


@dataclass
class StreamRecords:
    sequence_numbers: list[str] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def first_sequence_number(self) -> str:
        return min(self.sequence_numbers, key=int)


def stream_ids(records: Iterable[dict[str, Any]]) -> list[str]:
    """The streams the records belong to, each once."""
    found = (r.get("dynamodb", {}).get("Keys", {}).get("pk", {}).get("S") for r in records)
    return sorted({s for s in found if s is not None})


def tampering(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of commits changed or removed: the application only ever inserts one."""
    return [r for r in records if r.get("eventName") in ("MODIFY", "REMOVE")]


def group(records: Iterable[dict[str, Any]]) -> dict[str, StreamRecords]:
    streams: dict[str, StreamRecords] = {}
    for record in records:
        change = record.get("dynamodb", {})
        stream_id = change.get("Keys", {}).get("pk", {}).get("S")
        if stream_id is None:
            logger.warning("record without a stream key", extra={"event_id": record.get("eventID")})
            continue
        entry = streams.setdefault(stream_id, StreamRecords())
        entry.sequence_numbers.append(str(change.get("SequenceNumber", "0")))
        if record.get("eventName") != "INSERT":
            # Commits are never modified or deleted by the application: this is an alarm.
            logger.error(
                "event table item changed or removed",
                extra={"stream_id": stream_id, "event_name": record.get("eventName")},
            )
            continue
        try:
            entry.commits.append(from_item(change["NewImage"]))
        except (KeyError, ValueError, TypeError) as broken:
            # The table is the record: the projector will read it there instead.
            entry.unreadable.append(f"{type(broken).__name__}: {broken}")
    return streams


# Projects one stream's commits; None when no domain claims the stream's category.
Project = Callable[[str, Sequence[Commit]], Result | None]


@dataclass
class BatchReport:
    failures: list[str] = field(default_factory=list)
    results: dict[str, Result] = field(default_factory=dict)
    # Records of streams whose category no domain claims.
    unclaimed: int = 0

    def response(self) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": s} for s in self.failures]}


def process(records: Sequence[dict[str, Any]], project: Project) -> BatchReport:
    report = BatchReport()
    for stream_id, entry in group(records).items():
        commits = entry.commits
        if entry.unreadable:
            # A record we cannot decode may be the stream's newest: nothing after it would show
            # a gap. Projecting no commits makes the projector read the table from the view's
            # mark, which holds them all (and parks the stream if the item there is bad too).
            logger.warning(
                "unreadable stream records; reading the table instead",
                extra={"stream_id": stream_id, "errors": entry.unreadable},
            )
            commits = []
        try:
            result = project(stream_id, commits)
        except Exception:
            # The isolation boundary: poison is parked inside `project`, so what reaches here is
            # transient (throttling, timeouts) or unforeseen. Either way only this stream is
            # retried; after the retry limit its records go to the on-failure queue.
            logger.exception("stream will be retried", extra={"stream_id": stream_id})
            report.failures.append(entry.first_sequence_number())
            continue
        if result is None:
            logger.warning("no domain claims this stream: skipped", extra={"stream_id": stream_id})
            report.unclaimed += len(entry.sequence_numbers)
        else:
            report.results[stream_id] = result
    return report
