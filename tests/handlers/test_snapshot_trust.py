"""A snapshot in the bucket that is not on its stream's chain cannot move a balance: the cold
load that finds it ignores it, folds the state from the table, and counts it."""

from __future__ import annotations

import dataclasses

import boto3
import pytest

from adapters.snapshot_store_s3 import S3SnapshotStore
from domains.accounts.decider import stream_id
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
