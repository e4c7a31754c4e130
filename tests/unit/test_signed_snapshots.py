"""Snapshots only their writer can make: signed on save, checked on every read, and a snapshot
that fails the check is read as absent and reported."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from eventcore.memory import InMemorySnapshotStore
from eventcore.signatures import RefuseAll
from eventcore.signed_snapshots import SignedSnapshots, UnsignedSnapshot
from eventcore.snapshots import Snapshot, statement
from tests.signing import KeyPair


def snap(version: int = 100, balance: int = 10) -> Snapshot:
    return Snapshot("Account-a", version, 2, {"balance": balance}, "ab" * 32, "t", version - 1)


@pytest.fixture
def key() -> KeyPair:
    return KeyPair()


def signed(key: KeyPair, rejected: list[tuple[Snapshot, str]] | None = None) -> SignedSnapshots:
    found = rejected if rejected is not None else []
    return SignedSnapshots(
        InMemorySnapshotStore(), key.verifier, key, rejected=lambda s, r: found.append((s, r))
    )


def test_a_saved_snapshot_is_signed_and_read_back(key):
    store = signed(key)
    store.save(snap())
    found = store.latest("Account-a")
    assert found is not None
    assert found.signature
    assert dataclasses.replace(found, signature="") == snap()
    assert store.at_or_before("Account-a", 150) == found
    assert key.verifier.verify(statement(found), found.signature)


@pytest.mark.parametrize(
    "change",
    [
        {"state": {"balance": 10**15}},
        {"version": 101},
        {"last_hash": "cd" * 32},
        {"commit_version": 1},
        {"schema_version": 1},
        {"stream_id": "Account-b"},
        {"recorded_at": "u"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_snapshot_changed_after_signing_is_read_as_absent_and_reported(key, change):
    rejected: list[tuple[Snapshot, str]] = []
    store = signed(key, rejected)
    store.save(snap())
    honest = store.inner.latest("Account-a")
    assert honest is not None
    forged = dataclasses.replace(honest, **change)  # the signature kept
    store.inner.save(forged)
    assert store.latest(forged.stream_id) is None
    assert store.at_or_before(forged.stream_id, 10**6) is None
    assert [s for s, _ in rejected] == [forged, forged]
    assert "signature" in rejected[0][1]


@pytest.mark.parametrize("signature", ["", "not base64!", base64.b64encode(b"\x30\x00").decode()])
def test_a_missing_or_malformed_signature_is_rejected(key, signature):
    rejected: list[tuple[Snapshot, str]] = []
    store = signed(key, rejected)
    store.inner.save(dataclasses.replace(snap(), signature=signature))
    assert store.latest("Account-a") is None
    assert len(rejected) == 1


def test_a_snapshot_signed_with_another_key_is_rejected(key):
    other = signed(KeyPair())
    other.save(snap())
    mine = SignedSnapshots(other.inner, key.verifier)
    assert other.latest("Account-a") is not None
    assert mine.latest("Account-a") is None


def test_with_no_key_nothing_is_trusted_and_nothing_is_written_unsigned(key):
    store = signed(key)
    store.save(snap())
    keyless = SignedSnapshots(store.inner, RefuseAll())
    assert keyless.latest("Account-a") is None
    with pytest.raises(UnsignedSnapshot):
        keyless.save(snap(200))
    assert store.inner.latest("Account-a") == store.latest("Account-a")  # nothing new written
