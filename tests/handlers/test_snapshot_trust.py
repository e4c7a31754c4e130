"""A snapshot in the bucket that is not on its stream's chain, or not signed by the snapshot
writer's key, cannot move a balance: the cold load that finds it ignores it, folds the state
from the table, and counts it. One the projector signed is trusted."""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from adapters.snapshot_store_s3 import S3SnapshotStore
from domains.accounts.decider import stream_id
from eventcore.snapshots import Snapshot
from tests.handlers.conftest import reset_dependencies
from tests.handlers.test_commands import funded, post

pytestmark = pytest.mark.usefixtures("stack")


def test_a_snapshot_off_the_chain_is_ignored_counted_and_moves_nothing(capsys, caplog):
    from handlers import bootstrap

    account = funded(10)
    stream = stream_id(account)
    repository = bootstrap.host().aggregates.repository(stream)
    honest = repository.snapshot_of(repository.load_fresh(stream))
    forged = dataclasses.replace(
        honest, state={**honest.state, "balance": 10**15}, last_hash="0" * 64
    )
    S3SnapshotStore(boto3.client("s3"), bootstrap.settings().snapshot_bucket).save(forged)
    reset_dependencies()  # a new container: its first load of the account is cold
    capsys.readouterr()

    reply = post(f"/accounts/{account}/withdrawals", {"amount": 10**12})
    assert (reply.status, reply.json["error"]) == (409, "insufficient_funds")
    assert '"SnapshotRejected":[1.0]' in capsys.readouterr().out
    (warning,) = [r for r in caplog.records if "snapshot ignored" in r.getMessage()]
    assert (warning.stream_id, warning.snapshot_version) == (stream, 2)  # type: ignore[attr-defined]
    assert post(f"/accounts/{account}/withdrawals", {"amount": 10}).json["balance"] == 0


def _signed_snapshot(account: str) -> tuple[str, Snapshot]:
    """The account's snapshot, signed with the stack's key as the projector signs it."""
    from handlers import bootstrap

    stream = stream_id(account)
    repository = bootstrap.host().aggregates.repository(stream)
    assert repository.snapshots is not None
    repository.snapshots.save(repository.snapshot_of(repository.load_fresh(stream)))
    signed = S3SnapshotStore(boto3.client("s3"), bootstrap.settings().snapshot_bucket)
    snapshot = signed.latest(stream)
    assert snapshot is not None
    assert snapshot.signature
    return stream, snapshot


def test_a_signed_snapshot_is_trusted_by_a_new_containers_load(capsys):
    from handlers import bootstrap

    account = funded(10)
    stream, _ = _signed_snapshot(account)
    reset_dependencies()
    capsys.readouterr()
    snapshots = bootstrap.host().aggregates.repository(stream).snapshots
    assert snapshots is not None
    assert snapshots.latest(stream) is not None
    assert post(f"/accounts/{account}/withdrawals", {"amount": 4}).json["balance"] == 6
    assert "SnapshotRejected" not in capsys.readouterr().out


def test_a_forged_balance_keeping_the_real_hash_and_signature_moves_nothing(capsys, caplog):
    from handlers import bootstrap

    account = funded(10)
    _stream, honest = _signed_snapshot(account)
    forged = dataclasses.replace(honest, state={**honest.state, "balance": 10**15})
    S3SnapshotStore(boto3.client("s3"), bootstrap.settings().snapshot_bucket).save(forged)
    reset_dependencies()
    capsys.readouterr()

    reply = post(f"/accounts/{account}/withdrawals", {"amount": 10**12})
    assert (reply.status, reply.json["error"]) == (409, "insufficient_funds")
    assert '"SnapshotRejected":[1.0]' in capsys.readouterr().out
    (warning,) = [r for r in caplog.records if "snapshot ignored" in r.getMessage()]
    assert "signature" in warning.getMessage()
    assert post(f"/accounts/{account}/withdrawals", {"amount": 10}).json["balance"] == 0
