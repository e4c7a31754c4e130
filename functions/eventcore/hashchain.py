"""Hash chain over a stream's commits: a later edit, insertion or removal breaks a link.

Each commit's hash covers a canonical encoding of its content and the previous commit's hash.
The chain proves the history was not altered after the fact; it does not by itself prove that
the newest commits were not cut off (compare the head with an independent copy for that).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eventcore.commits import GENESIS_HASH, Commit, CommitMeta
from eventcore.events import StoredEvent


def body(
    stream_id: str,
    version: int,
    events: Sequence[StoredEvent],
    meta: CommitMeta,
    prev_hash: str,
) -> dict[str, Any]:
    """What a commit's hash covers, as a JSON object (a proof carries it as it is)."""
    return {
        "stream_id": stream_id,
        "version": version,
        "events": [e.to_json() for e in events],
        "recorded_at": meta.recorded_at,
        "command_id": meta.command_id,
        "correlation_id": meta.correlation_id,
        "actor": meta.actor,
        "prev_hash": prev_hash,
    }


def encode(content: dict[str, Any]) -> bytes:
    """The canonical encoding of a commit's `body`, which its hash is the SHA-256 of."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def hash_of(content: dict[str, Any]) -> str:
    return hashlib.sha256(encode(content)).hexdigest()


def seal(
    stream_id: str,
    version: int,
    events: Sequence[StoredEvent],
    meta: CommitMeta,
    prev_hash: str,
) -> Commit:
    """Build the commit that follows `prev_hash`, with its own hash computed."""
    digest = hash_of(body(stream_id, version, events, meta, prev_hash))
    return Commit(stream_id, version, tuple(events), meta, prev_hash, digest)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What `verify` found: `broken_at` is the version of the first bad commit, if any."""

    stream_id: str
    commits: int
    last_version: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(stream_id: str, commits: Iterable[Commit]) -> ChainReport:
    """Walk a stream's commits in order and report the first broken link."""
    expected_version, prev_hash, count = 1, GENESIS_HASH, 0
    for commit in commits:
        problem = None
        if commit.version != expected_version:
            problem = (
                f"expected version {expected_version}, found {commit.version} (commit missing)"
            )
        elif commit.prev_hash != prev_hash:
            problem = "previous-hash link does not match the commit before it"
        elif (
            seal(commit.stream_id, commit.version, commit.events, commit.meta, prev_hash) != commit
        ):
            problem = "content does not match its hash (commit edited)"
        if problem is not None:
            return ChainReport(stream_id, count, expected_version - 1, commit.version, problem)
        count += 1
        expected_version, prev_hash = commit.last_version + 1, commit.hash
    return ChainReport(stream_id, count, expected_version - 1)
