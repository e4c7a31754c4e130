"""The snapshot port: saved states that keep replays short."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's state right after `version`, in the state schema `schema_version`."""

    stream_id: str
    version: int
    schema_version: int
    state: dict[str, Any]
    last_hash: str
    recorded_at: str
    # The first version of the commit that ends at `version`: where a load's Query starts, so
    # that it reads that commit and checks the snapshot against it. 0 in snapshots written
    # before it was recorded, which loads ignore.
    commit_version: int = 0


class SnapshotStore(Protocol):
    """Keeps one snapshot per snapshotted version of a stream, plus quick access to the newest."""

    def latest(self, stream_id: str) -> Snapshot | None:
        """The newest snapshot of the stream, in one request."""
        ...

    def at_or_before(self, stream_id: str, version: int) -> Snapshot | None:
        """The newest snapshot whose version is at most `version`."""
        ...

    def save(self, snapshot: Snapshot) -> None: ...
