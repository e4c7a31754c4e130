"""Writing a snapshot whenever a stream crosses a multiple of `every` versions.

A snapshot only shortens later loads, so writing one is best-effort where the host says what
to do with a failure (count and log it): a signing key or bucket that is out of reach must not
hold the read model back, or make the projector retry a batch it has applied."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from eventcore.cache import StateCache
from eventcore.commits import Commit
from eventcore.repository import Loaded, Repository
from eventcore.snapshots import SnapshotStore
from eventcore.store import StoreUnavailable

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
        failed: Callable[[str, int, StoreUnavailable], None] | None = None,
    ) -> None:
        if every < 1:
            raise ValueError("every must be at least 1")
        self.repository = repository
        self.snapshots = snapshots
        self.every = every
        self.cache = cache if cache is not None else StateCache()
        self.failed = failed

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
                self._save(stream_id, state)
        if state is not None:
            self.cache.put(stream_id, state)
        else:
            self.cache.discard(stream_id)

    def _save(self, stream_id: str, state: Loaded[S]) -> None:
        try:
            self.snapshots.save(self.repository.snapshot_of(state))
        except StoreUnavailable as error:
            if self.failed is None:
                raise
            self.failed(stream_id, state.version, error)
