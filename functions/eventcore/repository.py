"""Loading aggregates (snapshot + tail, or a warm cache) and executing commands against them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from eventcore.cache import StateCache
from eventcore.commits import GENESIS_HASH, Commit, CommitEvents, CommitMeta, Receipt
from eventcore.decider import Decider, StateCodec
from eventcore.errors import IntegrityError
from eventcore.events import Event, EventRegistry
from eventcore.hashchain import seal
from eventcore.snapshots import Snapshot, SnapshotStore
from eventcore.store import EventStore

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
    # The first version of the commit that ends at `version` (0 before any commit).
    commit_version: int = 0

    @property
    def exists(self) -> bool:
        return self.version > 0


# Decides for several streams at once: one list of new events per loaded stream, same order.
MultiDecide = Callable[[tuple[Loaded[S], ...]], Sequence[Sequence[E]]]
ReceiptFor = Callable[[tuple[Loaded[S], ...]], Receipt]


class Repository(Generic[C, S, E]):
    """The streams of one aggregate type (one category): loading their state (a warm cache, else
    the latest snapshot plus the commits after it), time travel, and sealing the next commit.

    Commands go through `Aggregates.execute` (`handle` and `execute` here are that, for this
    aggregate alone): load, decide, append at the expected version, with optimistic concurrency.
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
        rejected: Callable[[Snapshot, str], None] | None = None,
    ) -> None:
        self.store = store
        # Told of every snapshot a load ignored because it is not on the stream's chain.
        self.rejected: Callable[[Snapshot, str], None] = rejected or (lambda _s, _r: None)
        self.registry = registry
        self.decider = decider
        self.snapshots = snapshots
        self.codec = codec
        self.cache = cache
        from eventcore.aggregates import Aggregates

        # Commands on this aggregate alone; the composition root writes across aggregates with
        # one `Aggregates` over every category's repository.
        self._writer = Aggregates.of(self, max_attempts=max_attempts)

    # ---- reading -------------------------------------------------------------------------

    def empty(self, stream_id: str) -> Loaded[S]:
        return Loaded(stream_id, self.decider.initial_state, 0)

    def load(self, stream_id: str) -> Loaded[S]:
        """Current state: from the warm cache, else the latest snapshot plus the commits after."""
        if self.cache is not None and (hit := self.cache.get(stream_id)) is not None:
            return hit
        latest = self.snapshots.latest(stream_id) if self.snapshots else None
        loaded = self._load_from(stream_id, latest)
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
            loaded = self._load_from(stream_id, snap, version)
            return loaded if loaded.version == version and version > 0 else None
        if at is None:
            raise ValueError("give a version or a time")
        last = self.version_at(stream_id, at)
        return self.load_at(stream_id, version=last) if last else None

    def version_at(self, stream_id: str, at: str) -> int:
        """The last version recorded at or before `at` (0: none yet), found by bisecting the
        stream's commits: a stream's recorded times never go backwards, so it reads about
        log2(commits) single commits, never the history in between."""
        newest = self.store.newest_commit(stream_id)
        if newest is None:
            return 0
        if newest.recorded_at <= at:
            return newest.last_version
        # Versions up to `found` were recorded by `at`; versions after `beyond` were not.
        found, beyond = 0, newest.version - 1
        while found < beyond:
            probe = self.store.commit_containing(stream_id, (found + beyond + 1) // 2)
            if probe is None:  # a gap: what verify reports; state cannot be read past it
                raise IntegrityError(f"{stream_id}: no commit holds a version it should have")
            if probe.recorded_at <= at:
                found = probe.last_version
            else:
                beyond = probe.version - 1
        return found

    def fold(
        self,
        start: Loaded[S],
        commits: Iterable[CommitEvents],
        *,
        to_version: int | None = None,
    ) -> Loaded[S]:
        """Apply stored commits to `start`, stopping after `to_version`."""
        evolve, registry = self.decider.evolve, self.registry
        state, version, last = start.state, start.version, None
        for commit in commits:
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
            return Loaded(
                start.stream_id,
                state,
                version,
                start.last_hash,
                start.recorded_at,
                start.commit_version,
            )
        # Only the last commit's hash and time are read: a store may decode them on demand.
        return Loaded(start.stream_id, state, version, last.hash, last.recorded_at, last.version)

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
            loaded.commit_version,
        )

    def _load_from(self, stream_id: str, snap: Snapshot | None, to: int | None = None) -> Loaded[S]:
        """The state after `to` (or the newest), from `snap` if it holds up, else from the first
        commit. The Query starts at the commit the snapshot ends at, so checking the snapshot
        against it costs no request; a snapshot that does not match is ignored."""
        start = self._from_snapshot(snap)
        if snap is None or start is None or snap.commit_version < 1:
            return self._from_first_commit(stream_id, to)
        commits = iter(self.store.read_events(stream_id, after=snap.commit_version - 1, to=to))
        anchor = next(commits, None)
        if anchor is None or not self._ends_at(anchor, snap):
            self.rejected(snap, "it is not on the stream's chain")
            return self._from_first_commit(stream_id, to)
        return self.fold(start, commits, to_version=to)

    def _from_first_commit(self, stream_id: str, to: int | None) -> Loaded[S]:
        commits = self.store.read_events(stream_id, to=to)
        return self.fold(self.empty(stream_id), commits, to_version=to)

    def _ends_at(self, commit: CommitEvents, snap: Snapshot) -> bool:
        """Whether `commit` is the one `snap` claims to end at: same first version, same hash,
        and the snapshot's version its last."""
        if commit.version != snap.commit_version or commit.hash != snap.last_hash:
            return False
        return commit.version + len(commit.load_events(self.registry)) - 1 == snap.version

    def _from_snapshot(self, snap: Snapshot | None) -> Loaded[S] | None:
        if snap is None or self.codec is None or snap.schema_version != self.codec.schema_version:
            return None
        state = self.codec.load(snap.state)
        return Loaded(
            snap.stream_id,
            state,
            snap.version,
            snap.last_hash,
            snap.recorded_at,
            snap.commit_version,
        )

    # ---- writing -------------------------------------------------------------------------

    def next_commit(
        self, current: Loaded[S], events: Sequence[E], meta: CommitMeta
    ) -> tuple[Commit, Loaded[S]]:
        """The commit that appends `events` to `current`, sealed onto its hash chain, and the
        state after it."""
        # A stream's recorded times never go backwards, whatever the writers' clocks say, so
        # "state at time T" is well defined.
        commit_meta = meta._replace(recorded_at=max(meta.recorded_at, current.recorded_at))
        stored = [self.registry.to_stored(e) for e in events]
        commit = seal(
            current.stream_id, current.version + 1, stored, commit_meta, current.last_hash
        )
        state, evolve = current.state, self.decider.evolve
        for event in events:
            state = evolve(state, event)
        after = Loaded(
            current.stream_id,
            state,
            commit.last_version,
            commit.hash,
            commit_meta.recorded_at,
            commit.version,
        )
        return commit, after

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
        """Decide across streams of this repository's aggregate and append every resulting
        commit atomically (see `Aggregates.execute`, which does it across categories)."""
        return self._writer.execute(stream_ids, decide, meta, receipt)

    def forget(self, stream_id: str) -> None:
        """Drop the stream's cached state (it lost a race, or cannot be trusted)."""
        if self.cache is not None:
            self.cache.discard(stream_id)
