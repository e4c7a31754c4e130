"""Comparing the event table with what the digests signed: every head a digest signed must
still be in the table, at its version, with its hash. A chain re-sealed after the digest, a
stream cut short or deleted, all show as a head the table no longer has."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from eventcore.commits import Commit
from eventcore.digests import Digest, Head
from eventcore.hashchain import ChainReport


@dataclass(frozen=True, slots=True)
class Signed:
    """A head, and the sequence of the digest that signed it."""

    sequence: int
    head: Head


@dataclass
class DigestedHeads:
    """Every head the digests signed, per stream (the digests themselves checked apart)."""

    by_stream: dict[str, list[Signed]] = field(default_factory=dict)
    digests: int = 0
    latest: int = 0

    @classmethod
    def of(cls, digests: Iterable[Digest]) -> DigestedHeads:
        heads = cls()
        for digest in digests:
            heads.digests += 1
            heads.latest = max(heads.latest, digest.sequence)
            for head in digest.heads:
                heads.by_stream.setdefault(head.stream_id, []).append(Signed(digest.sequence, head))
        return heads


def recording(commits: Iterable[Commit], hashes: dict[int, str]) -> Iterator[Commit]:
    """`commits` as they pass, noting each one's hash by the version it ends at."""
    for commit in commits:
        hashes[commit.last_version] = commit.hash
        yield commit


def against_digests(
    report: ChainReport, hashes: dict[int, str], signed: Sequence[Signed]
) -> ChainReport:
    """`report` (of an intact chain), or one broken at the first signed head the table no
    longer holds as it was signed."""
    for entry in sorted(signed, key=lambda s: (s.head.version, s.sequence)):
        head = entry.head
        if head.version > report.last_version:
            problem = (
                f"digest {entry.sequence} signed version {head.version}, but the stream ends"
                f" at {report.last_version} (newest commits missing)"
            )
        elif hashes.get(head.version) != head.hash:
            problem = (
                f"the commit ending at version {head.version} is not the one digest"
                f" {entry.sequence} signed (changed, or re-sealed)"
            )
        else:
            continue
        return ChainReport(
            report.stream_id, report.commits, report.last_version, head.version, problem
        )
    return report


def missing_stream(stream_id: str, signed: Sequence[Signed]) -> ChainReport:
    """The report of a stream the table no longer has, though a digest signed its head."""
    first = min(signed, key=lambda s: s.sequence)
    newest = max(s.head.version for s in signed)
    problem = (
        f"the stream is missing, though digest {first.sequence} signed it (up to version {newest})"
    )
    return ChainReport(stream_id, 0, 0, 1, problem)
