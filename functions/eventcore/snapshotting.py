"""Writing a snapshot whenever a stream crosses a multiple of `every` versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from eventcore.cache import StateCache
from eventcore.commits import Commit
from eventcore.repository import Loaded, Repository
from eventcore.snapshots import SnapshotStore

S = TypeVar("S")


class SnapshotWriter(Generic[S]):
    """Follows each stream's state as commits are projected and snapshots it at every multiple
    of `every` (at the end of the commit that crosses it, so snapshots sit on commit
    boundaries). A warm cache keeps this read-free; a cold one loads the state once, at the
    first crossing."""

    def __init__(
        self,
        repository: Repository[Any, S, Any],
        snapshots: SnapshotStore,
        every: int,
        cache: StateCache[Loaded[S]] | None = None,
    ) -> None:
        if every < 1:
            raise ValueError("every must be at least 1")
        self.repository = repository
        self.snapshots = snapshots
        self.every = every
        self.cache = cache if cache is not None else StateCache()

    def crosses(self, commit: Commit) -> bool:
        return commit.last_version // self.every > (commit.version - 1) // self.every

    def __call__(self, stream_id: str, previous_version: int, commits: Sequence[Commit]) -> None:
        cached = self.cache.get(stream_id)
        state = cached if cached is not None and cached.version == previous_version else None
        for commit in commits:
            crossing = self.crosses(commit)
            if state is not None:
                state = self.repository.fold(state, [commit])
            elif crossing:
                state = self.repository.load_at(stream_id, version=commit.last_version)
            if crossing and state is not None:
                self.snapshots.save(self.repository.snapshot_of(state))
        if state is not None:
            self.cache.put(stream_id, state)
        else:
            self.cache.discard(stream_id)
