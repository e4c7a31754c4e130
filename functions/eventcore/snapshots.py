"""The snapshot port: saved states that keep replays short."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A stream's state right after `version`, in the state schema `schema_version`."""

    stream_id: str
    version: int
    schema_version: int
    state: dict[str, Any]
    last_hash: str
    recorded_at: str
    # The first version of the commit that ends at `version`: where a load's Query starts, so
    # that it reads that commit and checks the snapshot against it. 0 in snapshots written
    # before it was recorded, which loads ignore.
    commit_version: int = 0
    # The snapshot writer's signature of `statement(self)`; empty until it is signed.
    signature: str = ""


def fields(snapshot: Snapshot) -> dict[str, Any]:
    """Every field but the signature, as stored and as signed."""
    return {
        "stream_id": snapshot.stream_id,
        "version": snapshot.version,
        "schema_version": snapshot.schema_version,
        "state": snapshot.state,
        "last_hash": snapshot.last_hash,
        "recorded_at": snapshot.recorded_at,
        "commit_version": snapshot.commit_version,
    }


def statement(snapshot: Snapshot) -> bytes:
    """What a snapshot's signature covers: the SHA-256 of every field but the signature,
    canonically encoded, under a label of its own so that no other signed document can pass for
    a snapshot. Signing the hash keeps the message within what KMS signs as it is (4 KB),
    however large a domain's state."""
    body = {"kind": SNAPSHOT_KIND, **fields(snapshot)}
    encoded = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{SNAPSHOT_KIND} {hashlib.sha256(encoded.encode()).hexdigest()}".encode()


SNAPSHOT_KIND = "ledger-snapshot/1"


class SnapshotStore(Protocol):
    """Keeps one snapshot per snapshotted version of a stream, plus quick access to the newest."""

    def latest(self, stream_id: str) -> Snapshot | None:
        """The newest snapshot of the stream, in one request."""
        ...

    def at_or_before(self, stream_id: str, version: int) -> Snapshot | None:
        """The newest snapshot whose version is at most `version`."""
        ...

    def save(self, snapshot: Snapshot) -> None: ...
