"""In-memory implementations of the ports: for unit tests, benchmarks and one-process tools."""

from __future__ import annotations

import bisect
import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any, Generic, TypeVar

from eventcore.commits import Commit, CommitEvents, Receipt
from eventcore.digesting import Marked
from eventcore.digests import Digest, DigestTaken
from eventcore.projector import Projected, StaleView
from eventcore.read_models import ReadModel, ViewPage
from eventcore.snapshots import Snapshot
from eventcore.store import ConcurrencyError, Conflict, DuplicateRequest

V = TypeVar("V")


class InMemoryEventStore:
    """An `EventStore` kept in dicts, atomic under a lock."""

    def __init__(self) -> None:
        self._streams: dict[str, dict[int, Commit]] = {}
        self._receipts: dict[str, Receipt] = {}
        self._lock = threading.Lock()
        self.appends = 0

    def append(self, commits: Sequence[Commit], receipt: Receipt | None = None) -> None:
        with self._lock:
            if receipt is not None and (existing := self._receipts.get(receipt.key)):
                raise DuplicateRequest(existing)
            conflicts = [
                Conflict(c.stream_id, c.version, taken)
                for c in commits
                if (taken := self._streams.get(c.stream_id, {}).get(c.version)) is not None
            ]
            if conflicts:
                raise ConcurrencyError(conflicts)
            for commit in commits:
                self._streams.setdefault(commit.stream_id, {})[commit.version] = commit
            if receipt is not None:
                self._receipts[receipt.key] = receipt
            self.appends += 1

    def read(
        self, stream_id: str, *, after: int = 0, to: int | None = None, limit: int | None = None
    ) -> Iterator[Commit]:
        with self._lock:
            stream = self._streams.get(stream_id, {})
            selected = [stream[v] for v in sorted(stream) if v > after and (to is None or v <= to)]
        return iter(selected if limit is None else selected[:limit])

    def read_events(
        self, stream_id: str, *, after: int = 0, to: int | None = None
    ) -> Iterator[CommitEvents]:
        return self.read(stream_id, after=after, to=to)

    def commit_containing(self, stream_id: str, version: int) -> Commit | None:
        with self._lock:
            stream = self._streams.get(stream_id, {})
            starts = sorted(stream)
        index = bisect.bisect_right(starts, version) - 1
        if index < 0:
            return None
        commit = stream[starts[index]]
        return commit if commit.last_version >= version else None

    def newest_commit(self, stream_id: str) -> Commit | None:
        with self._lock:
            stream = self._streams.get(stream_id, {})
            return stream[max(stream)] if stream else None

    def get_receipt(self, key: str) -> Receipt | None:
        with self._lock:
            return self._receipts.get(key)

    def stream_ids(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._streams))

    # Test helpers: stand-ins for someone editing the table behind the application's back.
    def replace_commit(self, commit: Commit) -> None:
        with self._lock:
            self._streams[commit.stream_id][commit.version] = commit

    def delete_commit(self, stream_id: str, version: int) -> None:
        with self._lock:
            del self._streams[stream_id][version]


class InMemorySnapshotStore:
    """A `SnapshotStore` kept in a dict."""

    def __init__(self) -> None:
        self._snapshots: dict[str, dict[int, Snapshot]] = {}
        self._lock = threading.Lock()

    def latest(self, stream_id: str) -> Snapshot | None:
        with self._lock:
            stream = self._snapshots.get(stream_id)
            return stream[max(stream)] if stream else None

    def at_or_before(self, stream_id: str, version: int) -> Snapshot | None:
        with self._lock:
            stream = self._snapshots.get(stream_id, {})
            eligible = [v for v in stream if v <= version]
            return stream[max(eligible)] if eligible else None

    def save(self, snapshot: Snapshot) -> None:
        with self._lock:
            self._snapshots.setdefault(snapshot.stream_id, {})[snapshot.version] = snapshot


class InMemoryViewStore(Generic[V]):
    """A `ViewStore` kept in a dict, with the same conditional semantics as the real ones."""

    def __init__(self) -> None:
        self.items: dict[str, Projected[V]] = {}
        self.writes = 0
        self._lock = threading.Lock()

    def load(self, stream_id: str) -> Projected[V]:
        with self._lock:
            return self.items.get(stream_id, Projected(None, 0))

    def save(self, stream_id: str, projected: Projected[V], expected_version: int) -> None:
        with self._lock:
            self._check(stream_id, expected_version)
            self.items[stream_id] = projected
            self.writes += 1

    def park(
        self, stream_id: str, progress: Projected[V], at: int, error: str, expected_version: int
    ) -> None:
        with self._lock:
            self._check(stream_id, expected_version)
            self.items[stream_id] = Projected(
                progress.view, progress.version, error, progress.last_hash
            )
            self.writes += 1

    def unpark(self, stream_id: str) -> None:
        with self._lock:
            current = self.items[stream_id]
            self.items[stream_id] = Projected(
                current.view, current.version, last_hash=current.last_hash
            )

    def _check(self, stream_id: str, expected_version: int) -> None:
        current = self.items.get(stream_id, Projected(None, 0))
        if current.version != expected_version or current.parked is not None:
            raise StaleView(f"{stream_id} is at {current.version}, not {expected_version}")


class InMemoryViews(Generic[V]):
    """A `ViewReader` over an `InMemoryViewStore`: views by key (the stream id through the read
    model's `key_of`), paged in key order."""

    def __init__(self, store: InMemoryViewStore[V], model: ReadModel[V]) -> None:
        self.store = store
        self.model = model
        self.key_of = model.key_of

    def _views(self) -> dict[str, V]:
        with self.store._lock:
            items = list(self.store.items.items())
        return {self.key_of(s): p.view for s, p in items if p.view is not None}

    def get(self, key: str) -> V | None:
        return self._views().get(key)

    def page(
        self,
        limit: int,
        cursor: str | None,
        where: tuple[str, str] | None = None,
        up_to: str | None = None,
    ) -> ViewPage[V]:
        views = self._views()
        keys = sorted(views)
        if where is not None:
            keys = self._indexed(views, where, up_to)
        elif up_to is not None:
            raise ValueError("up_to needs a sorted index")
        if cursor is not None:
            if cursor not in keys:
                raise ValueError("cursor is not one this API returned")
            keys = keys[keys.index(cursor) + 1 :]
        chosen = keys[:limit]
        more = len(keys) > limit
        return ViewPage([views[k] for k in chosen], chosen[-1] if more else None)

    def _indexed(self, views: dict[str, V], where: tuple[str, str], up_to: str | None) -> list[str]:
        """The keys of the views in the index page `where`, in the index's order."""
        name, value = where
        index = self.model.index(name)
        if up_to is not None and index.sort_key is None:
            raise ValueError(f"{self.model.name}'s index {name!r} is not sorted")
        dumped = {k: self.model.codec.dump(v) for k, v in views.items()}
        keys = [k for k, d in dumped.items() if d.get(name) == value]
        if index.sort_key is None:
            return sorted(keys)
        sort_key = index.sort_key
        keys = [k for k in keys if isinstance(dumped[k].get(sort_key), str)]
        if up_to is not None:
            keys = [k for k in keys if dumped[k][sort_key] <= up_to]
        return sorted(keys, key=lambda k: (dumped[k][sort_key], k))


class InMemoryChangeMarks:
    """`ChangeMarks` in a dict: one mark per `mark` call, as the real one writes one item."""

    def __init__(self) -> None:
        self._marks: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()
        self._next = 0

    def mark(self, stream_ids: Sequence[str]) -> None:
        with self._lock:
            self._next += 1
            self._marks[f"{self._next:012d}"] = frozenset(stream_ids)

    def marked(self, max_streams: int) -> Marked:
        with self._lock:
            streams: set[str] = set()
            taken: list[str] = []
            for mark in sorted(self._marks):
                if len(streams) >= max_streams:
                    break
                taken.append(mark)
                streams.update(self._marks[mark])
            return Marked(frozenset(streams), tuple(taken))

    def clear(self, marks: Sequence[str]) -> None:
        with self._lock:
            for mark in marks:
                self._marks.pop(mark, None)


class InMemoryDigestStore:
    """A `DigestStore` in a list: written once per sequence, never changed."""

    def __init__(self) -> None:
        self._digests: dict[int, Digest] = {}
        self._lock = threading.Lock()

    def latest(self) -> Digest | None:
        with self._lock:
            return self._digests[max(self._digests)] if self._digests else None

    def put(self, digest: Digest) -> None:
        with self._lock:
            if digest.sequence in self._digests:
                raise DigestTaken(f"digest {digest.sequence} is already kept")
            self._digests[digest.sequence] = digest

    def all(self) -> Iterator[Digest]:
        with self._lock:
            return iter([self._digests[s] for s in sorted(self._digests)])


class InMemoryEvidence:
    """`TamperEvidence` in a list."""

    def __init__(self) -> None:
        self.kept: list[dict[str, Any]] = []

    def keep(self, record: dict[str, Any]) -> str:
        self.kept.append(record)
        return f"memory/{len(self.kept)}"


class InMemorySubjectKeys:
    """`SubjectKeys` in a dict (tests, the in-memory host): keys are kept as they are."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def create(self, subject: str) -> bytes:
        from eventcore.personal import new_key

        with self._lock:
            return self._keys.setdefault(subject, new_key())

    def get_many(self, subjects: Collection[str]) -> dict[str, bytes]:
        with self._lock:
            return {s: self._keys[s] for s in subjects if s in self._keys}

    def destroy(self, subject: str) -> None:
        with self._lock:
            self._keys.pop(subject, None)
