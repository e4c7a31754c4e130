"""Checking a stream as an auditor would: its hash chain, and its latest snapshot against the
state its events fold to at the snapshot's version and against the snapshot writer's signature
(a snapshot is a claim about the events; a forged one must not pass for intact, even though
loads would ignore it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from eventcore.commits import Commit
from eventcore.hashchain import ChainReport, verify
from eventcore.repository import Loaded, Repository
from eventcore.signed_snapshots import NOT_SIGNED, SignedSnapshots
from eventcore.snapshots import Snapshot


def verify_stream(
    stream_id: str, commits: Iterable[Commit], repository: Repository[Any, Any, Any] | None
) -> ChainReport:
    """The chain's report, or, if the chain is intact but the stream's latest snapshot is not
    what its events say (state, hash or version), a report broken at the snapshot's version.
    One pass over the commits: the state is folded as the chain is walked."""
    latest, signed = _latest_snapshot(stream_id, repository)
    if repository is None or latest is None or repository.codec is None:
        return verify(stream_id, commits)
    if latest.commit_version < 1 or (
        signed and latest.schema_version != repository.codec.schema_version
    ):
        # Loads ignore it (written before snapshots named their commit, or in an older state
        # schema): nothing to trust, so nothing to check.
        return verify(stream_id, commits)
    folded = [repository.empty(stream_id)]

    def folding(source: Iterable[Commit]) -> Iterator[Commit]:
        for commit in source:
            if folded[0].version < latest.version:
                folded[0] = repository.fold(folded[0], [commit], to_version=latest.version)
            yield commit

    report = verify(stream_id, folding(commits))
    if not report.ok:
        return report
    problem = None if signed else f"{NOT_SIGNED} (snapshot forged)"
    problem = problem or _snapshot_problem(folded[0], latest.version, latest.last_hash)
    if problem is None and repository.codec.dump(folded[0].state) != latest.state:
        problem = "its state is not the state the events fold to (snapshot forged)"
    if problem is None:
        return report
    reason = f"latest snapshot (version {latest.version}): {problem}"
    return ChainReport(stream_id, report.commits, report.last_version, latest.version, reason)


def _latest_snapshot(
    stream_id: str, repository: Repository[Any, Any, Any] | None
) -> tuple[Snapshot | None, bool]:
    """The stream's latest snapshot in the store, and whether its signature holds (True where
    snapshots are not signed at all)."""
    snapshots = repository.snapshots if repository is not None else None
    if isinstance(snapshots, SignedSnapshots):
        latest = snapshots.inner.latest(stream_id)
        return latest, latest is not None and snapshots.authentic(latest)
    return (snapshots.latest(stream_id) if snapshots else None), True


def _snapshot_problem(folded: Loaded[Any], version: int, last_hash: str) -> str | None:
    if folded.version != version:
        return f"the stream has no commit ending at version {version}"
    if folded.last_hash != last_hash:
        return "its hash is not the hash of the commit at its version"
    return None
