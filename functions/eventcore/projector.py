"""Keeping a read model exactly right from commits that arrive late, twice, out of order or never.

Per stream the read model stores its view and the last version applied to it (the high-water
mark). Commits at or below the mark are skipped; commits that do not follow it seamlessly are
replaced by a catch-up read of the event table, the record of truth. Every write is conditional
on the mark it started from, so concurrent projectors can neither double-apply nor go backwards.
A stream whose events cannot be projected is parked, and the rest carry on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from eventcore.cache import StateCache
from eventcore.commits import GENESIS_HASH, Commit
from eventcore.errors import IntegrityError
from eventcore.events import EventRegistry
from eventcore.read_models import Projection
from eventcore.store import EventStore

V = TypeVar("V")

# Errors of pure code (decoding, validation, projection): retrying cannot fix them.
POISON = (IntegrityError, ValueError, TypeError, KeyError, AttributeError, LookupError)


@dataclass(frozen=True, slots=True)
class Projected(Generic[V]):
    """A stream's view after `version`; `last_hash` is the hash of the commit that ended there
    (the view's link into the stream's hash chain); `parked` holds the error when parked."""

    view: V | None
    version: int = 0
    parked: str | None = None
    last_hash: str = GENESIS_HASH


class StaleView(Exception):
    """The stored high-water mark was not the expected one: someone else wrote first."""


class ViewStore(Protocol[V]):
    """Where one read model keeps its views and high-water marks."""

    def load(self, stream_id: str) -> Projected[V]:
        """The stored view (strongly consistent); version 0 and no view when there is none."""
        ...

    def save(self, stream_id: str, projected: Projected[V], expected_version: int) -> None:
        """Write the view if the stored mark is still `expected_version` and the stream is not
        parked; raise `StaleView` otherwise."""
        ...

    def park(
        self, stream_id: str, progress: Projected[V], at: int, error: str, expected_version: int
    ) -> None:
        """Save `progress` (the view up to the event before `at`) with the stream parked at
        `at`, on the same condition as `save`."""
        ...


AfterApply = Callable[[str, int, Sequence[Commit]], None]


@dataclass(frozen=True, slots=True)
class Result:
    applied: int = 0
    skipped: int = 0
    caught_up: bool = False
    parked_at: int | None = None
    refolded: bool = False


class Poison(Exception):
    """Event `version` cannot be projected; `progress` is the view up to the one before it."""

    def __init__(self, version: int, cause: Exception, progress: Projected[Any]) -> None:
        super().__init__(f"version {version}: {type(cause).__name__}: {cause}")
        self.version = version
        self.progress = progress


class StreamProjector(Generic[V]):
    """Applies commits of one stream at a time to a `ViewStore`, coalesced into one write.

    `after_apply(stream, previous_version, commits)` runs before the view is saved (e.g. to
    write snapshots), so a failure there leaves the mark untouched and the commits redelivered.
    """

    def __init__(
        self,
        *,
        views: ViewStore[V],
        projection: Projection[V],
        store: EventStore,
        registry: EventRegistry,
        after_apply: AfterApply | None = None,
        cache: StateCache[Projected[V]] | None = None,
        max_attempts: int = 5,
    ) -> None:
        self.views = views
        self.projection = projection
        self.store = store
        self.registry = registry
        self.after_apply = after_apply
        self.cache = cache if cache is not None else StateCache()
        self.max_attempts = max_attempts

    def project(self, stream_id: str, commits: Sequence[Commit]) -> Result:
        """Bring the stream's view up to at least the newest of `commits`."""
        for _ in range(self.max_attempts):
            current = self._current(stream_id)
            try:
                return self._advance(stream_id, current, commits)
            except StaleView:
                self.cache.discard(stream_id)
        raise StaleView(f"{stream_id}: the view kept moving under {self.max_attempts} attempts")

    def replay(self, stream_id: str) -> Result:
        """Catch a stream up from the event table, whatever arrived (after unparking, or by an
        operator), first checking that the commit at the mark is the one the view applied."""
        self.cache.discard(stream_id)
        current = self.views.load(stream_id)
        if current.version > 0 and current.parked is None:
            head = self.store.commit_containing(stream_id, current.version)
            if head is None or head.hash != current.last_hash:
                return self._refold(stream_id, current)
        return self.project(stream_id, [])

    def _current(self, stream_id: str) -> Projected[V]:
        cached = self.cache.get(stream_id)
        return cached if cached is not None else self.views.load(stream_id)

    def _advance(self, stream_id: str, current: Projected[V], commits: Sequence[Commit]) -> Result:
        if current.parked is not None:
            return Result(skipped=len(commits))
        pending = sorted(
            {c.version: c for c in commits if c.last_version > current.version}.values(),
            key=lambda c: c.version,
        )
        skipped = len(commits) - len(pending)
        caught_up = not commits or not _follows(current.version, current.last_hash, pending)
        undecodable: Exception | None = None
        if caught_up:
            # A gap (or nothing given): the event table has everything after the mark.
            pending, undecodable = self._read_table(stream_id, after=current.version)
        if _diverged(current, commits) or (pending and pending[0].prev_hash != current.last_hash):
            return self._refold(stream_id, current)
        if not pending and undecodable is None:
            return Result(skipped=skipped)
        try:
            view, version = self._fold(stream_id, current, pending, undecodable)
        except Poison as poison:
            return self._park(stream_id, current, poison)
        if self.after_apply is not None:
            self.after_apply(stream_id, current.version, pending)
        projected = Projected(view, version, last_hash=pending[-1].hash)
        self.views.save(stream_id, projected, current.version)
        self.cache.put(stream_id, projected)
        return Result(applied=version - current.version, skipped=skipped, caught_up=caught_up)

    def _refold(self, stream_id: str, current: Projected[V]) -> Result:
        """The view was built from a commit the table does not hold (the record of a write that
        failed, or a commit edited since): fold the whole stream again from the table."""
        start: Projected[V] = Projected(None, 0)
        commits, undecodable = self._read_table(stream_id, after=0)
        try:
            view, version = self._fold(stream_id, start, commits, undecodable)
        except Poison as poison:
            return self._park(stream_id, current, poison)
        if not commits:
            return Result()
        if self.after_apply is not None:
            self.after_apply(stream_id, 0, commits)
        projected = Projected(view, version, last_hash=commits[-1].hash)
        self.views.save(stream_id, projected, current.version)
        self.cache.put(stream_id, projected)
        return Result(applied=version, caught_up=True, refolded=True)

    def _read_table(self, stream_id: str, after: int) -> tuple[list[Commit], Exception | None]:
        """The table's commits after `after`, up to the first item that cannot be decoded, and
        the error that item raised (None when every item was read)."""
        commits: list[Commit] = []
        try:
            for commit in self.store.read(stream_id, after=after):
                commits.append(commit)
        except POISON as undecodable:
            return commits, undecodable
        return commits, None

    def _park(self, stream_id: str, current: Projected[V], poison: Poison) -> Result:
        progress = Projected(
            poison.progress.view, poison.progress.version, str(poison), poison.progress.last_hash
        )
        self.views.park(stream_id, progress, poison.version, str(poison), current.version)
        self.cache.discard(stream_id)
        return Result(applied=progress.version - current.version, parked_at=poison.version)

    def _fold(
        self,
        stream_id: str,
        current: Projected[V],
        commits: Sequence[Commit],
        undecodable: Exception | None = None,
    ) -> tuple[V | None, int]:
        """Apply `commits` to `current`; raise `Poison` with the progress so far at the first
        event that cannot be applied, or after them all when `undecodable` says the table's
        next item could not be read (see `_read_table`)."""
        view, version, last_hash = current.view, current.version, current.last_hash
        for commit in commits:
            if commit.version != version + 1 or commit.prev_hash != last_hash:
                # Only a read of a damaged table gets here (records that do not follow are
                # replaced by such a read): park rather than fold past a missing commit.
                progress = Projected(view, version, last_hash=last_hash)
                broken = IntegrityError(
                    f"{stream_id}: the table's commit {commit.version} does not follow "
                    f"version {version} (a missing or altered commit)"
                )
                raise Poison(version + 1, broken, progress)
            applied = view
            for offset, stored in enumerate(commit.events):
                try:
                    applied = self.projection(applied, stream_id, self.registry.load(stored))
                except POISON as cause:
                    # Progress stops at the last whole commit: a view never holds half of one.
                    progress = Projected(view, version, last_hash=last_hash)
                    raise Poison(commit.version + offset, cause, progress) from cause
            view, version, last_hash = applied, commit.last_version, commit.hash
        if undecodable is not None:
            raise Poison(version + 1, undecodable, Projected(view, version, last_hash=last_hash))
        return view, version


def _follows(version: int, last_hash: str, commits: Sequence[Commit]) -> bool:
    """True when `commits` continue seamlessly from `version`, in versions and in hashes."""
    for commit in commits:
        if commit.version != version + 1 or commit.prev_hash != last_hash:
            return False
        version, last_hash = commit.last_version, commit.hash
    return True


def _diverged(current: Projected[Any], commits: Sequence[Commit]) -> bool:
    """A delivered commit ending at the mark that is not the one the view applied."""
    return current.version > 0 and any(
        c.last_version == current.version and c.hash != current.last_hash for c in commits
    )
