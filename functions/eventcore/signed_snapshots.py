"""Snapshots only their writer can make: signed as they are saved, checked as they are read.

A load trusts a snapshot's state instead of folding the commits before it, so whoever can write
the snapshot bucket could otherwise choose a balance. The writer (the projector) signs each
snapshot; readers hold only the means to check. A snapshot that fails the check is reported
and read as absent, so the load folds the stream from the event table instead: slower, never
wrong. Checking costs no request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from eventcore.signatures import Signer, Verifier
from eventcore.snapshots import Snapshot, SnapshotStore, statement

Rejected = Callable[[Snapshot, str], None]


class UnsignedSnapshot(RuntimeError):
    """This process was asked to save a snapshot but holds no key to sign it with."""


class SignedSnapshots:
    """A `SnapshotStore` over `inner` that signs on `save` (with `signer`) and returns from
    `latest` and `at_or_before` only snapshots `verifier` accepts, telling `rejected` of the
    others."""

    def __init__(
        self,
        inner: SnapshotStore,
        verifier: Verifier,
        signer: Signer | None = None,
        rejected: Rejected | None = None,
    ) -> None:
        self.inner = inner
        self.verifier = verifier
        self.signer = signer
        self.rejected: Rejected = rejected or (lambda _snapshot, _reason: None)

    def latest(self, stream_id: str) -> Snapshot | None:
        return self._checked(self.inner.latest(stream_id))

    def at_or_before(self, stream_id: str, version: int) -> Snapshot | None:
        return self._checked(self.inner.at_or_before(stream_id, version))

    def save(self, snapshot: Snapshot) -> None:
        if self.signer is None:
            raise UnsignedSnapshot(f"{snapshot.stream_id}: no signing key to sign a snapshot with")
        signature = self.signer.sign(statement(snapshot))
        self.inner.save(dataclasses.replace(snapshot, signature=signature))

    def authentic(self, snapshot: Snapshot) -> bool:
        """Whether the snapshot is exactly what the snapshot writer signed."""
        return bool(snapshot.signature) and self.verifier.verify(
            statement(snapshot), snapshot.signature
        )

    def _checked(self, snapshot: Snapshot | None) -> Snapshot | None:
        if snapshot is None or self.authentic(snapshot):
            return snapshot
        self.rejected(snapshot, NOT_SIGNED)
        return None


NOT_SIGNED = "its signature is missing or not the snapshot writer's"
