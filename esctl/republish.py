"""`esctl republish`: the integration events of the batches the publisher gave up on, put on
the bus again from the event table, however long ago the stream's records expired.

The publisher's on-failure queue holds one message per batch Lambda gave up on, describing it
(`esctl.stream_failures`). A run

1. receives every message on the queue, each hidden from other readers (its visibility
   timeout) while the run works on it;
2. leaves alone any message that is not a batch of this table's stream given up by the
   publisher: the projector's batches need no republishing, it catches up from the table;
3. finds the commits recorded in every batch's window in one Scan of the event table;
4. publishes each of those commits' events once, through the live publisher's own mapping
   (`handlers.integration_batch.commit_entries`) and bus client: the event the publisher would
   have sent, with the same `event_id`, so subscribers drop the copies they already have;
5. deletes a message only once every event of its window has been accepted by the bus, and
   makes every other message visible again for a later run.

A run that dies half-way has deleted only messages whose events were all published; the rest
reappear when their visibility timeout ends. A run after a clean one finds an empty queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from adapters.integration_bus_eventbridge import BusEntry, FailedEntry
from esctl.stream_failures import FailedBatch, NotAFailedBatch, Window, coalesce, failed_batch
from eventcore.commits import Commit
from handlers.integration_batch import Feeds, Publish, commit_entries

# The most messages one SQS receive, delete or visibility change takes.
SQS_BATCH = 10
# Windows in one Scan filter: each is about 40 characters of DynamoDB's 4 KB expression limit.
MAX_WINDOWS = 50
# Entries handed to the publisher at a time, so that progress moves on long runs.
PUBLISH_CHUNK = 100


class Watch(Protocol):
    """Progress of a run: a phase starts (with its total when known), then advances."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


class Unwatched:
    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


class CommitScan(Protocol):
    """The event store's pass over commits by recorded time (`DynamoDBEventStore`)."""

    def recorded_within(
        self,
        windows: Sequence[tuple[str, str]],
        *,
        segments: int = 1,
        scanned: Callable[[int], None] = ...,
    ) -> list[Commit]: ...


@dataclass(frozen=True)
class Message:
    message_id: str
    receipt_handle: str
    body: str


@dataclass
class Range:
    """One batch the publisher gave up on, and the commits its window covers."""

    message: Message
    batch: FailedBatch
    window: Window
    commits: list[Commit] = field(default_factory=list)


@dataclass(frozen=True)
class Kept:
    """A message left on the queue, and why."""

    message: Message
    reason: str


@dataclass(frozen=True)
class Scope:
    """Which batches a run republishes: `table`'s, given up by the function `publisher`; and how
    far around a batch's arrival times its commits may have been recorded."""

    table: str
    publisher: str
    slack: timedelta = timedelta(seconds=60)


@dataclass
class Report:
    ranges: list[Range]
    # What was published, or with a dry run what would be.
    entries: list[BusEntry]
    kept: list[Kept]
    failed: list[FailedEntry] = field(default_factory=list)
    deleted: int = 0

    @property
    def published(self) -> int:
        return len(self.entries) - len(self.failed)


def commit_key(commit: Commit) -> str:
    return f"{commit.stream_id}/{commit.version}"


def covered(commits: Sequence[Commit]) -> list[Commit]:
    """Every commit once, oldest first: a commit two windows cover is published once."""
    unique = {(c.stream_id, c.version): c for c in commits}
    return sorted(unique.values(), key=lambda c: (c.recorded_at, c.stream_id, c.version))


def ranges_of(
    messages: Sequence[Message], scope: Scope, scan: Callable[[list[Window]], list[Commit]]
) -> tuple[list[Range], list[Kept]]:
    """The publisher's batches among `messages`, each with the commits of its window (found by
    one `scan` of the windows' union), and the messages that are not such batches."""
    ranges: list[Range] = []
    refused: list[Kept] = []
    for message in messages:
        try:
            batch = failed_batch(message.body)
        except NotAFailedBatch as problem:
            refused.append(Kept(message, str(problem)))
            continue
        reason = _not_ours(batch, scope)
        if reason is None:
            ranges.append(Range(message, batch, batch.window(scope.slack)))
        else:
            refused.append(Kept(message, reason))
    found = scan(coalesce([r.window for r in ranges], MAX_WINDOWS)) if ranges else []
    for entry in ranges:
        entry.commits = covered([c for c in found if entry.window.covers(c.recorded_at)])
    return ranges, refused


def _not_ours(batch: FailedBatch, scope: Scope) -> str | None:
    if batch.table != scope.table:
        return f"a batch of the stream of {batch.table}, not of {scope.table}"
    name = batch.function_name
    # Lambda names the function; a message that does not is taken as the queue's owner's.
    if name is not None and name != scope.publisher:
        return (
            f"given up by {name}, not by {scope.publisher}: only the publisher's batches are"
            " republished (a projector catches up from the event table by itself)"
        )
    return None


def bus_entries(commits: Sequence[Commit], feeds: Feeds) -> tuple[list[BusEntry], set[str]]:
    """The commits' bus entries, each keyed by its commit, and the keys of the commits no
    installed domain claims (published by nobody, as the live publisher does)."""
    entries: list[BusEntry] = []
    unclaimed: set[str] = set()
    for commit in commits:
        mapped = commit_entries(commit, feeds, commit_key(commit))
        if mapped is None:
            unclaimed.add(commit_key(commit))
        else:
            entries += mapped
    return entries, unclaimed


def _unpublishable(ranges: Sequence[Range], failed: set[str], unclaimed: set[str]) -> list[Kept]:
    """The ranges whose message must stay on the queue, with why."""
    return [
        Kept(entry.message, why)
        for entry in ranges
        if (why := _why_kept(entry, failed, unclaimed)) is not None
    ]


def _why_kept(entry: Range, failed: set[str], unclaimed: set[str]) -> str | None:
    """Why a range's message must stay on the queue after publishing, if it must."""
    if not entry.commits:
        window = f"{entry.window.first}..{entry.window.last}"
        return f"no commit was recorded in its window {window}: widen --slack, or look by hand"
    keys = {commit_key(c) for c in entry.commits}
    if keys & unclaimed:
        return f"no installed domain claims {_some(keys & unclaimed)}"
    if keys & failed:
        return f"the bus did not accept the events of {_some(keys & failed)}"
    return None


def _some(keys: set[str], shown: int = 3) -> str:
    """A few commit keys, and how many more: a window can hold thousands."""
    named = sorted(keys)
    more = f" and {len(named) - shown} more commits" if len(named) > shown else ""
    return ", ".join(named[:shown]) + more


class Republisher:
    """One run over the on-failure queue at `queue_url`. `put` is the live publisher's
    (`EventBridgePublisher.publish`); `wait_seconds` the receive's long-poll wait (0 against
    the local AWS, which serves one request at a time)."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        scope: Scope,
        *,
        store: CommitScan,
        feeds: Feeds,
        put: Publish,
        visibility_timeout: int = 900,
        wait_seconds: int = 0,
        segments: int = 1,
        table_items: int | None = None,
        watch: Watch | None = None,
    ) -> None:
        self.sqs, self.queue_url, self.scope = sqs, queue_url, scope
        self.store, self.feeds, self.put = store, feeds, put
        self.visibility_timeout, self.wait_seconds = visibility_timeout, wait_seconds
        self.segments, self.table_items = segments, table_items
        self.watch: Watch = watch or Unwatched()

    def run(self, *, dry_run: bool = False) -> Report:
        messages = self.receive()
        deleted: set[str] = set()
        try:
            ranges, refused = ranges_of(messages, self.scope, self._scan)
            commits = covered([c for r in ranges for c in r.commits])
            entries, unclaimed = bus_entries(commits, self.feeds)
            if dry_run:
                return Report(ranges, entries, refused + _unpublishable(ranges, set(), unclaimed))
            failed = self._publish(entries)
            kept = refused + _unpublishable(ranges, {f.entry.key for f in failed}, unclaimed)
            held = {k.message.message_id for k in kept}
            done = [r.message for r in ranges if r.message.message_id not in held]
            deleted = self._delete(done)
            kept += [
                Kept(m, "SQS did not delete it: a later run publishes its events again")
                for m in done
                if m.message_id not in deleted
            ]
            return Report(ranges, entries, kept, failed, len(deleted))
        finally:
            # Whatever was not deleted is free for the next run now, not when its timeout ends.
            self._release([m for m in messages if m.message_id not in deleted])

    def receive(self) -> list[Message]:
        """Every message on the queue, each hidden for the visibility timeout."""
        seen: dict[str, Message] = {}
        self.watch.phase("reading the on-failure queue", None)
        while True:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=SQS_BATCH,
                VisibilityTimeout=self.visibility_timeout,
                WaitTimeSeconds=self.wait_seconds,
            )
            received = response.get("Messages", [])
            if not received:
                return list(seen.values())
            for raw in received:
                # Delivered twice, a message's latest receipt handle is the one that deletes it.
                seen[raw["MessageId"]] = Message(
                    raw["MessageId"], raw["ReceiptHandle"], raw["Body"]
                )
            self.watch.advance(len(received))

    def _scan(self, windows: list[Window]) -> list[Commit]:
        self.watch.phase("scanning the event table", self.table_items)
        return self.store.recorded_within(
            windows, segments=self.segments, scanned=self.watch.advance
        )

    def _publish(self, entries: list[BusEntry]) -> list[FailedEntry]:
        self.watch.phase("publishing", len(entries))
        failed: list[FailedEntry] = []
        for start in range(0, len(entries), PUBLISH_CHUNK):
            chunk = entries[start : start + PUBLISH_CHUNK]
            failed += self.put(chunk)
            self.watch.advance(len(chunk))
        return failed

    def _delete(self, messages: list[Message]) -> set[str]:
        """Delete `messages`; the ids of those SQS deleted."""
        deleted: set[str] = set()
        for start in range(0, len(messages), SQS_BATCH):
            chunk = messages[start : start + SQS_BATCH]
            response = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m.receipt_handle} for n, m in enumerate(chunk)
                ],
            )
            deleted |= {
                chunk[int(done["Id"])].message_id for done in response.get("Successful", [])
            }
        return deleted

    def _release(self, messages: list[Message]) -> None:
        for start in range(0, len(messages), SQS_BATCH):
            chunk = messages[start : start + SQS_BATCH]
            entries = [
                {"Id": str(n), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for n, m in enumerate(chunk)
            ]
            # Best effort, and never in the way of the error that ended a run: a message not
            # released reappears when its visibility timeout ends anyway.
            with suppress(ClientError, BotoCoreError):
                self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=entries)
