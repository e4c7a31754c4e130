"""Loading aggregates (snapshot + tail, or a warm cache) and executing commands against them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from eventcore.cache import StateCache
from eventcore.commits import GENESIS_HASH, Commit, CommitEvents, CommitMeta, Receipt
from eventcore.decider import Decider, StateCodec
from eventcore.errors import DomainError, IntegrityError
from eventcore.events import Event, EventRegistry
from eventcore.hashchain import seal
from eventcore.locks import StripedLocks
from eventcore.snapshots import Snapshot, SnapshotStore
from eventcore.store import ConcurrencyError, EventStore

S = TypeVar("S")
C = TypeVar("C")
E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Loaded(Generic[S]):
    """A stream's state after `version`, with what the next commit must chain to."""

    stream_id: str
    state: S
    version: int
    last_hash: str = GENESIS_HASH
    recorded_at: str = ""

    @property
    def exists(self) -> bool:
        return self.version > 0


# Decides for several streams at once: one list of new events per loaded stream, same order.
MultiDecide = Callable[[tuple[Loaded[S], ...]], Sequence[Sequence[E]]]
ReceiptFor = Callable[[tuple[Loaded[S], ...]], Receipt]


class Repository(Generic[C, S, E]):
    """Executes commands with optimistic concurrency: load, decide, append at the expected version.

    A warm cache lets a command on a hot stream go straight to the conditional write; the write's
    condition, not the cache, is what guarantees correctness. On a conflict the state is refreshed
    (from the winning commit when the store returns it, else by reading the tail) and the command
    is decided again, up to `max_attempts` times. A command refused on a cached state (which no
    write condition checks) is decided again on states read from the store, and refused only if
    they refuse it too; a refusal marked `final` (no later event could lift it) is trusted as
    it is.
    """

    def __init__(
        self,
        *,
        store: EventStore,
        registry: EventRegistry,
        decider: Decider[C, S, E],
        snapshots: SnapshotStore | None = None,
        codec: StateCodec[S] | None = None,
        cache: StateCache[Loaded[S]] | None = None,
        max_attempts: int = 5,
    ) -> None:
        self.store = store
        self.registry = registry
        self.decider = decider
        self.snapshots = snapshots
        self.codec = codec
        self.cache = cache
        self.max_attempts = max_attempts
        self._locks = StripedLocks()

    # ---- reading -------------------------------------------------------------------------

    def empty(self, stream_id: str) -> Loaded[S]:
        return Loaded(stream_id, self.decider.initial_state, 0)

    def load(self, stream_id: str) -> Loaded[S]:
        """Current state: from the warm cache, else the latest snapshot plus the commits after."""
        if self.cache is not None and (hit := self.cache.get(stream_id)) is not None:
            return hit
        start = self._from_snapshot(self.snapshots.latest(stream_id) if self.snapshots else None)
        start = start or self.empty(stream_id)
        loaded = self.fold(start, self.store.read_events(stream_id, after=start.version))
        if self.cache is not None:
            self.cache.put(stream_id, loaded)
        return loaded

    def load_fresh(self, stream_id: str) -> Loaded[S]:
        """Current state, never from the cache (for strongly consistent reads)."""
        if self.cache is not None:
            self.cache.discard(stream_id)
        return self.load(stream_id)

    def load_at(
        self, stream_id: str, *, version: int | None = None, at: str | None = None
    ) -> Loaded[S] | None:
        """The state exactly as it was after `version`, or at the recorded time `at` (canonical
        form, see `commits.format_time`). None when the stream had no such version yet."""
        if version is not None:
            snap = self.snapshots.at_or_before(stream_id, version) if self.snapshots else None
            start = self._from_snapshot(snap) or self.empty(stream_id)
            commits = self.store.read_events(stream_id, after=start.version, to=version)
            loaded = self.fold(start, commits, to_version=version)
            return loaded if loaded.version == version and version > 0 else None
        if at is None:
            raise ValueError("give a version or a time")
        latest = self.snapshots.latest(stream_id) if self.snapshots else None
        usable = latest if latest and latest.recorded_at <= at else None
        begin = self._from_snapshot(usable) or self.empty(stream_id)
        loaded = self.fold(begin, self.store.read_events(stream_id, after=begin.version), until=at)
        return loaded if loaded.exists else None

    def fold(
        self,
        start: Loaded[S],
        commits: Iterable[CommitEvents],
        *,
        to_version: int | None = None,
        until: str | None = None,
    ) -> Loaded[S]:
        """Apply stored commits to `start`, stopping after `to_version` or before a commit
        recorded after `until`."""
        evolve, registry = self.decider.evolve, self.registry
        state, version, last = start.state, start.version, None
        for commit in commits:
            if until is not None and commit.recorded_at > until:
                break
            if to_version is not None and version >= to_version:
                break
            if commit.version != version + 1:
                raise IntegrityError(
                    f"{start.stream_id}: expected version {version + 1}, read {commit.version}"
                )
            # Events past `to_version` are not even loaded: they need not be readable.
            events = commit.load_events(
                registry, None if to_version is None else to_version - version
            )
            for event in events:
                state = evolve(state, event)  # type: ignore[arg-type]
            version += len(events)
            last = commit
            if to_version is not None and version >= to_version:
                break
        if last is None:
            return Loaded(start.stream_id, state, version, start.last_hash, start.recorded_at)
        # Only the last commit's hash and time are read: a store may decode them on demand.
        return Loaded(start.stream_id, state, version, last.hash, last.recorded_at)

    def snapshot_of(self, loaded: Loaded[S]) -> Snapshot:
        if self.codec is None:
            raise ValueError("this repository has no state codec")
        return Snapshot(
            loaded.stream_id,
            loaded.version,
            self.codec.schema_version,
            self.codec.dump(loaded.state),
            loaded.last_hash,
            loaded.recorded_at,
        )

    def _from_snapshot(self, snap: Snapshot | None) -> Loaded[S] | None:
        if snap is None or self.codec is None or snap.schema_version != self.codec.schema_version:
            return None
        state = self.codec.load(snap.state)
        return Loaded(snap.stream_id, state, snap.version, snap.last_hash, snap.recorded_at)

    # ---- writing -------------------------------------------------------------------------

    def handle(
        self,
        stream_id: str,
        command: C,
        meta: CommitMeta,
        receipt: ReceiptFor[S] | None = None,
    ) -> Loaded[S]:
        """Decide `command` against one stream and append the result."""
        decide = self.decider.decide
        (after,) = self.execute([stream_id], lambda s: [decide(command, s[0].state)], meta, receipt)
        return after

    def execute(
        self,
        stream_ids: Sequence[str],
        decide: MultiDecide[S, E],
        meta: CommitMeta,
        receipt: ReceiptFor[S] | None = None,
    ) -> tuple[Loaded[S], ...]:
        """Decide across one or more streams and append every resulting commit atomically.

        Raises whatever `decide` raises, `DuplicateRequest` from the store, or the last
        `ConcurrencyError` when every attempt lost its race.
        """
        with self._locks.holding(stream_ids):
            return self._execute(stream_ids, decide, meta, receipt)

    def _execute(
        self,
        stream_ids: Sequence[str],
        decide: MultiDecide[S, E],
        meta: CommitMeta,
        receipt: ReceiptFor[S] | None,
    ) -> tuple[Loaded[S], ...]:
        loaded, cached = self._load_all(stream_ids)
        refreshed: set[str] = set()
        for attempt in range(1, self.max_attempts + 1):
            try:
                commits, after = self._decide(loaded, decide, meta)
            except DomainError as refusal:
                if not cached or refusal.final:
                    raise
                # A refusal must rest on what the store holds. A cached state may be behind
                # commits other containers made (the deposit that pays for this withdrawal), and
                # a refusal writes nothing that a condition could catch: decide again, once, on
                # states read afresh.
                loaded, cached = tuple(self.load_fresh(s) for s in stream_ids), False
                commits, after = self._decide(loaded, decide, meta)
            try:
                self.store.append(commits, receipt(after) if receipt else None)
            except ConcurrencyError as conflict:
                if attempt == self.max_attempts:
                    for stream_id in stream_ids:
                        self._forget(stream_id)
                    raise
                loaded = self._refresh(loaded, conflict, refreshed)
                continue
            if self.cache is not None:
                for state in after:
                    self.cache.put(state.stream_id, state)
            return after
        raise AssertionError("unreachable: the loop returns or raises")

    def _load_all(self, stream_ids: Sequence[str]) -> tuple[tuple[Loaded[S], ...], bool]:
        """The streams' states, and whether any came from the cache."""
        hits = [self.cache.get(s) if self.cache is not None else None for s in stream_ids]
        loaded = tuple(hit or self.load(s) for hit, s in zip(hits, stream_ids, strict=True))
        return loaded, any(hit is not None for hit in hits)

    def _decide(
        self, loaded: tuple[Loaded[S], ...], decide: MultiDecide[S, E], meta: CommitMeta
    ) -> tuple[list[Commit], tuple[Loaded[S], ...]]:
        commits: list[Commit] = []
        after: list[Loaded[S]] = []
        for current, events in zip(loaded, decide(loaded), strict=True):
            if not events:
                after.append(current)
                continue
            # A stream's recorded times never go backwards, whatever the writers' clocks say,
            # so "state at time T" is well defined.
            commit_meta = meta._replace(recorded_at=max(meta.recorded_at, current.recorded_at))
            stored = [self.registry.to_stored(e) for e in events]
            commit = seal(
                current.stream_id, current.version + 1, stored, commit_meta, current.last_hash
            )
            state = current.state
            for event in events:
                state = self.decider.evolve(state, event)
            commits.append(commit)
            after.append(
                Loaded(
                    current.stream_id,
                    state,
                    commit.last_version,
                    commit.hash,
                    commit_meta.recorded_at,
                )
            )
        return commits, tuple(after)

    def _refresh(
        self, loaded: tuple[Loaded[S], ...], conflict: ConcurrencyError, refreshed: set[str]
    ) -> tuple[Loaded[S], ...]:
        """Bring the streams that lost up to date: from the winning commit on a first conflict
        (no read), by reading the tail when the winner is unknown or the stream lost before."""
        winners = {c.stream_id: c.winner for c in conflict.conflicts}
        result = []
        for current in loaded:
            if current.stream_id not in winners:
                result.append(current)
                continue
            self._forget(current.stream_id)
            winner = winners[current.stream_id]
            contiguous = winner is not None and winner.version == current.version + 1
            if winner is not None and contiguous and current.stream_id not in refreshed:
                refreshed.add(current.stream_id)
                result.append(self.fold(current, [winner]))
            else:
                tail = self.store.read_events(current.stream_id, after=current.version)
                result.append(self.fold(current, tail))
        return tuple(result)

    def _forget(self, stream_id: str) -> None:
        if self.cache is not None:
            self.cache.discard(stream_id)
