"""The event store port: what the core needs from any storage technology."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from eventcore.commits import Commit, CommitEvents, Receipt


@dataclass(frozen=True, slots=True)
class Conflict:
    """A commit lost its race: another commit already holds `version` of `stream_id`.

    `winner` is the commit that took the slot when the store can say so without another read.
    """

    stream_id: str
    version: int
    winner: Commit | None


class ConcurrencyError(Exception):
    """At least one commit of an append conflicted; nothing of the append was written."""

    def __init__(self, conflicts: Sequence[Conflict]) -> None:
        self.conflicts = tuple(conflicts)
        names = ", ".join(f"{c.stream_id}@{c.version}" for c in self.conflicts) or "unknown"
        super().__init__(f"concurrent write to {names}")


class DuplicateRequest(Exception):
    """The append's receipt key is already taken; nothing of the append was written."""

    def __init__(self, receipt: Receipt) -> None:
        super().__init__(f"request {receipt.key!r} was already executed")
        self.receipt = receipt


class StoreUnavailable(Exception):
    """The store refused or timed out after its own retries (throttling, outage). Retry later."""


class EventStore(Protocol):
    """Append-only storage of commits, one sequence per stream.

    Implementations write all commits of one `append` (and its receipt) atomically, each commit
    on the condition that its (stream, version) slot is free, and read a stream's commits in
    version order with strongly consistent reads.
    """

    def append(self, commits: Sequence[Commit], receipt: Receipt | None = None) -> None:
        """Write every commit and the receipt, or nothing.

        Raises `DuplicateRequest` when the receipt key exists (checked first), otherwise
        `ConcurrencyError` when any commit's slot is taken.
        """
        ...

    def read(
        self, stream_id: str, *, after: int = 0, to: int | None = None, limit: int | None = None
    ) -> Iterator[Commit]:
        """Commits whose first version is in `(after, to]`, in order, at most `limit` of them
        (reading no more than that). `after` should be a commit boundary (a version some commit
        ends at), as cached states and snapshots always are."""
        ...

    def read_events(
        self, stream_id: str, *, after: int = 0, to: int | None = None
    ) -> Iterator[CommitEvents]:
        """The same commits as `read`, reduced to what folding them into state needs."""
        ...

    def commit_containing(self, stream_id: str, version: int) -> Commit | None:
        """The commit that holds `version`, or None when the stream has no such version."""
        ...

    def newest_commit(self, stream_id: str) -> Commit | None:
        """The stream's last commit (one item read), or None when the stream has none."""
        ...

    def get_receipt(self, key: str) -> Receipt | None:
        """The receipt stored under `key`, if any (strongly consistent)."""
        ...

    def stream_ids(self) -> Iterator[str]:
        """Every stream id in the store (an operator's full pass; never on a command path)."""
        ...
