"""Making the next digest: the streams marked as changed since the last one, their heads as the
event table has them now, signed and kept, then the marks cleared.

Marks are hints, never trusted: each head is read from the table. A crash before the digest is
kept leaves the marks for the next run; one after it leaves marks that only make the next
digest name a few heads again. Two digesters racing for one sequence: one keeps its digest,
the other starts over from the new latest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from typing import Protocol

from eventcore.digests import Digest, DigestStore, DigestTaken, Head, unsigned_digest
from eventcore.errors import IntegrityError
from eventcore.signatures import Signer
from eventcore.store import EventStore

# Streams one run digests at most (one newest-commit Query each): the rest stay marked for the
# next run, so a burst of changes delays digests rather than making every run time out.
MAX_STREAMS_PER_DIGEST = 2_000
# What a commit item the store cannot decode raises (see `adapters.commit_item`).
UNREADABLE = (IntegrityError, ValueError, KeyError, TypeError)


@dataclass(frozen=True, slots=True)
class Marked:
    """Streams marked as changed, and the marks' keys (to clear exactly these)."""

    streams: frozenset[str]
    marks: tuple[str, ...]


class ChangeMarks(Protocol):
    """Which streams changed since they were last digested (written as commits are projected)."""

    def mark(self, stream_ids: Sequence[str]) -> None: ...

    def marked(self, max_streams: int) -> Marked:
        """The oldest marks, taken whole until they name at least `max_streams` streams."""
        ...

    def clear(self, marks: Sequence[str]) -> None: ...


class Digester:
    def __init__(
        self,
        *,
        store: EventStore,
        marks: ChangeMarks,
        digests: DigestStore,
        signer: Signer,
        clock: Callable[[], str],
        max_attempts: int = 5,
        max_streams: int = MAX_STREAMS_PER_DIGEST,
    ) -> None:
        self.store = store
        self.marks = marks
        self.digests = digests
        self.signer = signer
        self.clock = clock
        self.max_attempts = max_attempts
        self.max_streams = max_streams

    def run(self, streams: Sequence[str] = ()) -> Digest | None:
        """Digest the marked streams (and `streams`); None when nothing changed."""
        marked = self.marks.marked(self.max_streams)
        wanted = sorted(marked.streams | set(streams))
        if not wanted:
            return None
        heads = self._heads(wanted)
        digest = self._keep(heads)
        self.marks.clear(marked.marks)
        return digest

    def run_all(self, streams: Iterable[str]) -> Iterator[Digest]:
        """Digest every one of `streams` (all the table's, say), `max_streams` heads a digest:
        for streams written before digests were kept, or whose change marks were lost."""
        remaining = iter(streams)
        while chunk := sorted(islice(remaining, self.max_streams)):
            if heads := self._heads(chunk):
                yield self._keep(heads)

    def _heads(self, streams: Sequence[str]) -> list[Head]:
        heads, unreadable = [], []
        for stream in streams:
            try:
                commit = self.store.newest_commit(stream)
            except UNREADABLE:
                unreadable.append(stream)  # one bad item must not stop every stream's digest
                continue
            if commit is not None:
                heads.append(Head(stream, commit.last_version, commit.hash))
        if unreadable:
            self.marks.mark(unreadable)  # tried again next run; verify reports the item
        return heads

    def _keep(self, heads: Sequence[Head]) -> Digest:
        for _ in range(self.max_attempts):
            digest = unsigned_digest(self.digests.latest(), heads, self.clock())
            signed = replace(digest, signature=self.signer.sign(digest.statement()))
            try:
                self.digests.put(signed)
            except DigestTaken:
                continue
            return signed
        raise DigestTaken(f"no free digest sequence after {self.max_attempts} attempts")
