"""Commands across aggregates: every category's repository over one event store, and the
optimistic-concurrency loop that decides and appends across any of their streams at once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from eventcore.categories import ByCategory
from eventcore.commits import Commit, CommitMeta, Receipt
from eventcore.errors import DomainError
from eventcore.events import Event
from eventcore.locks import StripedLocks
from eventcore.repository import Loaded, Repository
from eventcore.store import ConcurrencyError, EventStore

AnyRepository = Repository[Any, Any, Any]
AnyLoaded = Loaded[Any]
# Decides for several streams at once: one list of new events per loaded stream, same order.
Decide = Callable[[tuple[AnyLoaded, ...]], Sequence[Sequence[Event]]]
ReceiptOf = Callable[[tuple[AnyLoaded, ...]], Receipt]


class UnknownCategory(LookupError):
    """A stream of a category that no registered aggregate claims."""


class Aggregates:
    """Executes commands with optimistic concurrency: load, decide, append at the expected
    versions, every stream decoded, sealed and evolved by its own category's repository, all of
    one command's commits (and its receipt) in one atomic append.

    A warm cache lets a command on a hot stream go straight to the conditional write; the write's
    condition, not the cache, is what guarantees correctness. On a conflict the states are
    refreshed (from the winning commit when the store returns it, else by reading the tail) and
    the command is decided again, up to `max_attempts` times. A command refused on a cached state
    (which no write condition checks) is decided again on states read from the store, and refused
    only if they refuse it too; a refusal marked `final` (no later event could lift it) is
    trusted as it is.
    """

    def __init__(
        self,
        store: EventStore,
        repositories: Mapping[str, AnyRepository],
        *,
        max_attempts: int = 5,
    ) -> None:
        for category, repository in repositories.items():
            if repository.store is not store:
                raise ValueError(f"the {category} repository writes to another event store")
        self.store = store
        self.repositories = ByCategory(repositories)
        self.max_attempts = max_attempts
        self._resolve: Callable[[str], AnyRepository] = self._by_category
        self._locks = StripedLocks()

    @classmethod
    def of(cls, repository: AnyRepository, *, max_attempts: int = 5) -> Aggregates:
        """One aggregate's repository, whatever the category of the streams it is given."""
        single = cls(repository.store, {}, max_attempts=max_attempts)
        single._resolve = lambda _: repository
        return single

    def repository(self, stream_id: str) -> AnyRepository:
        return self._resolve(stream_id)

    def _by_category(self, stream_id: str) -> AnyRepository:
        repository = self.repositories.get(stream_id)
        if repository is None:
            raise UnknownCategory(f"no aggregate claims the category of {stream_id!r}")
        return repository

    def load(self, stream_id: str) -> AnyLoaded:
        return self.repository(stream_id).load(stream_id)

    def load_fresh(self, stream_id: str) -> AnyLoaded:
        return self.repository(stream_id).load_fresh(stream_id)

    def execute(
        self,
        stream_ids: Sequence[str],
        decide: Decide,
        meta: CommitMeta,
        receipt: ReceiptOf | None = None,
        new: Collection[str] = (),
    ) -> tuple[AnyLoaded, ...]:
        """Decide across one or more streams and append every resulting commit atomically.

        Streams in `new` are ones the command creates under an id it has just made: they are
        taken as empty without a read (the write's condition still refuses one that exists).
        Raises whatever `decide` raises, `DuplicateRequest` from the store, or the last
        `ConcurrencyError` when every attempt lost its race.
        """
        repositories = [self.repository(s) for s in stream_ids]
        with self._locks.holding(stream_ids):
            attempts = _Attempts(self, repositories, decide, meta, receipt)
            return attempts.run(stream_ids, frozenset(new))


class _Attempts:
    """One command's way to its append: the loop of `Aggregates.execute`."""

    def __init__(
        self,
        aggregates: Aggregates,
        repositories: Sequence[AnyRepository],
        decide: Decide,
        meta: CommitMeta,
        receipt: ReceiptOf | None,
    ) -> None:
        self.store = aggregates.store
        self.max_attempts = aggregates.max_attempts
        self.repositories = repositories
        self.decide = decide
        self.meta = meta
        self.receipt = receipt

    def run(self, stream_ids: Sequence[str], new: frozenset[str]) -> tuple[AnyLoaded, ...]:
        loaded, cached = self._load_all(stream_ids, new)
        refreshed: set[str] = set()
        for attempt in range(1, self.max_attempts + 1):
            try:
                commits, after = self._decide(loaded)
            except DomainError as refusal:
                if not cached or refusal.final:
                    raise
                # A refusal must rest on what the store holds. A cached state may be behind
                # commits other containers made (the deposit that pays for this withdrawal), and
                # a refusal writes nothing that a condition could catch: decide again, once, on
                # states read afresh.
                loaded = tuple(
                    r.load_fresh(s) for r, s in zip(self.repositories, stream_ids, strict=True)
                )
                cached = False
                commits, after = self._decide(loaded)
            try:
                self.store.append(commits, self.receipt(after) if self.receipt else None)
            except ConcurrencyError as conflict:
                if attempt == self.max_attempts:
                    for repository, stream_id in zip(self.repositories, stream_ids, strict=True):
                        repository.forget(stream_id)
                    raise
                loaded = self._refresh(loaded, conflict, refreshed)
                continue
            for repository, state in zip(self.repositories, after, strict=True):
                if repository.cache is not None:
                    repository.cache.put(state.stream_id, state)
            return after
        raise AssertionError("unreachable: the loop returns or raises")

    def _load_all(
        self, stream_ids: Sequence[str], new: frozenset[str]
    ) -> tuple[tuple[AnyLoaded, ...], bool]:
        """The streams' states, and whether any came from the cache."""
        loaded: list[AnyLoaded] = []
        cached = False
        for repository, stream_id in zip(self.repositories, stream_ids, strict=True):
            if stream_id in new:
                loaded.append(repository.empty(stream_id))
                continue
            hit = repository.cache.get(stream_id) if repository.cache is not None else None
            cached = cached or hit is not None
            loaded.append(hit or repository.load(stream_id))
        return tuple(loaded), cached

    def _decide(self, loaded: tuple[AnyLoaded, ...]) -> tuple[list[Commit], tuple[AnyLoaded, ...]]:
        commits: list[Commit] = []
        after: list[AnyLoaded] = []
        decided = self.decide(loaded)
        for repository, current, events in zip(self.repositories, loaded, decided, strict=True):
            if not events:
                after.append(current)
                continue
            commit, state = repository.next_commit(current, events, self.meta)
            commits.append(commit)
            after.append(state)
        return commits, tuple(after)

    def _refresh(
        self, loaded: tuple[AnyLoaded, ...], conflict: ConcurrencyError, refreshed: set[str]
    ) -> tuple[AnyLoaded, ...]:
        """Bring the streams that lost up to date: from the winning commit on a first conflict
        (no read), by reading the tail when the winner is unknown or the stream lost before."""
        winners = {c.stream_id: c.winner for c in conflict.conflicts}
        result = []
        for repository, current in zip(self.repositories, loaded, strict=True):
            if current.stream_id not in winners:
                result.append(current)
                continue
            repository.forget(current.stream_id)
            winner = winners[current.stream_id]
            contiguous = winner is not None and winner.version == current.version + 1
            if winner is not None and contiguous and current.stream_id not in refreshed:
                refreshed.add(current.stream_id)
                result.append(repository.fold(current, [winner]))
            else:
                tail = self.store.read_events(current.stream_id, after=current.version)
                result.append(repository.fold(current, tail))
        return tuple(result)
