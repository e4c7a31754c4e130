"""Making the next digest: the streams marked as changed since the last one, their heads as the
event table has them now, signed and kept, then the marks cleared.

Marks are hints, never trusted: each head is read from the table. A crash before the digest is
kept leaves the marks for the next run; one after it leaves marks that only make the next
digest name a few heads again. Two digesters racing for one sequence: one keeps its digest,
the other starts over from the new latest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from eventcore.digests import Digest, DigestStore, DigestTaken, Head, unsigned_digest
from eventcore.signatures import Signer
from eventcore.store import EventStore


@dataclass(frozen=True, slots=True)
class Marked:
    """Streams marked as changed, and the marks' keys (to clear exactly these)."""

    streams: frozenset[str]
    marks: tuple[str, ...]


class ChangeMarks(Protocol):
    """Which streams changed since they were last digested (written as commits are projected)."""

    def mark(self, stream_ids: Sequence[str]) -> None: ...

    def marked(self) -> Marked: ...

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
    ) -> None:
        self.store = store
        self.marks = marks
        self.digests = digests
        self.signer = signer
        self.clock = clock
        self.max_attempts = max_attempts

    def run(self, streams: Sequence[str] = ()) -> Digest | None:
        """Digest the marked streams (and `streams`); None when nothing changed."""
        marked = self.marks.marked()
        wanted = sorted(marked.streams | set(streams))
        if not wanted:
            return None
        heads = [
            Head(s, commit.last_version, commit.hash)
            for s in wanted
            if (commit := self.store.newest_commit(s)) is not None
        ]
        digest = self._keep(heads)
        self.marks.clear(marked.marks)
        return digest

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
