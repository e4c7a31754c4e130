"""Comparing the event table with what the digests signed: every head a digest signed must
still be in the table, at its version, with its hash. A chain re-sealed after the digest, a
stream cut short or deleted, all show as a head the table no longer has.

The other way round, a commit no digest signed is only as safe as the table: one recorded
before a cut-off (the digests' usual lag, plus margin) that no digest covers yet means a lost
change mark, a stalled digester, or a stream from before digests; it is reported too."""

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


@dataclass
class Seen:
    """What a verify pass noted of a stream's commits: each one's hash by the version it ends
    at, and when the newest was recorded."""

    hashes: dict[int, str] = field(default_factory=dict)
    newest_recorded_at: str = ""


def recording(commits: Iterable[Commit], seen: Seen) -> Iterator[Commit]:
    """`commits` as they pass, noted in `seen`."""
    for commit in commits:
        seen.hashes[commit.last_version] = commit.hash
        seen.newest_recorded_at = commit.recorded_at
        yield commit


def against_digests(report: ChainReport, seen: Seen, signed: Sequence[Signed]) -> ChainReport:
    """`report` (of an intact chain), or one broken at the first signed head the table no
    longer holds as it was signed."""
    hashes = seen.hashes
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


def unsigned_head(
    report: ChainReport, seen: Seen, signed: Sequence[Signed], cutoff: str
) -> ChainReport:
    """`report` (of a chain that matches its digests), or one broken at its head when no digest
    signed it although it was recorded before `cutoff` (the same textual form as commits')."""
    newest_signed = max((s.head.version for s in signed), default=0)
    if newest_signed >= report.last_version or not seen.newest_recorded_at < cutoff:
        return report
    after = f"after version {newest_signed} " if newest_signed else ""
    problem = (
        f"no digest signed the commits {after}(the newest, version {report.last_version},"
        f" was recorded at {seen.newest_recorded_at}): a change mark lost or a digester behind;"
        " `esctl digest --all` signs every stream's head"
    )
    return ChainReport(
        report.stream_id, report.commits, report.last_version, newest_signed + 1, problem
    )


def missing_stream(stream_id: str, signed: Sequence[Signed]) -> ChainReport:
    """The report of a stream the table no longer has, though a digest signed its head."""
    first = min(signed, key=lambda s: s.sequence)
    newest = max(s.head.version for s in signed)
    problem = (
        f"the stream is missing, though digest {first.sequence} signed it (up to version {newest})"
    )
    return ChainReport(stream_id, 0, 0, 1, problem)
