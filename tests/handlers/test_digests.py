"""Digests on moto: the heads of changed streams signed with the stack's digest key and kept in
the object-locked bucket; `verify --all`'s comparison of the table with them; proofs that
check offline and fail for any change."""

from __future__ import annotations

import copy
import io
import json
from contextlib import redirect_stdout
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from adapters.digest_store_s3 import digest_key
from domains.accounts.decider import stream_id
from esctl.ledger_proofs import digested_heads
from esctl.operations import verify_streams
from eventcore.digests import DigestTaken
from eventcore.proofs import make_proof, proof_problem
from tests.handlers.test_commands import funded, post
from tests.streams import batch, record

pytestmark = pytest.mark.usefixtures("stack")


def host() -> Any:
    from handlers import bootstrap

    return bootstrap.host()


def digest_now() -> Any:
    from handlers.digester import digester

    return digester().run()


def accounts(*balances: int) -> list[str]:
    """Funded accounts, marked as changed (as the projector marks them)."""
    made = [funded(balance) for balance in balances]
    host().mark_changed([stream_id(a) for a in made])
    return made


def problems(signed_before: str | None = None) -> dict[str, str]:
    digested, problem = digested_heads()
    assert problem is None
    return {
        r.stream_id: f"version {r.broken_at}: {r.reason}"
        for r in verify_streams(host().aggregates, None, digested, signed_before)
        if not r.ok
    }


def table() -> tuple[Any, str]:
    from handlers import bootstrap

    return boto3.client("dynamodb"), bootstrap.settings().events_table


def test_the_projector_marks_the_streams_of_a_batch_in_one_write() -> None:
    from handlers import projector

    first, second = funded(5), funded(6)
    commits = [c for a in (first, second) for c in host().aggregates.store.read(stream_id(a))]
    with redirect_stdout(io.StringIO()):
        projector.handler(batch([record(c, n) for n, c in enumerate(commits)]), _context())
    marks = host().infrastructure.change_marks().marked(1_000)
    assert marks.streams == {stream_id(first), stream_id(second)}
    assert len(marks.marks) == 1


def test_a_digest_signs_the_changed_heads_and_chains_to_the_one_before() -> None:
    first, second = accounts(10, 20)
    one = digest_now()
    assert [(h.stream_id, h.version) for h in one.heads] == sorted(
        [(stream_id(first), 2), (stream_id(second), 2)]
    )
    assert digest_now() is None  # nothing changed: no digest
    post(f"/accounts/{first}/deposits", {"amount": 1})
    host().mark_changed([stream_id(first)])
    two = digest_now()
    assert (two.sequence, two.previous) == (2, one.digest_hash)
    assert [(h.stream_id, h.version) for h in two.heads] == [(stream_id(first), 3)]
    digested, problem = digested_heads()
    assert problem is None
    assert digested is not None
    assert digested.digests == 2
    assert problems() == {}


def test_a_head_no_digest_signed_is_reported_once_it_is_older_than_the_lag() -> None:
    from handlers.digester import digester

    (signed,) = accounts(10)
    unmarked = funded(20)  # its change mark lost: no digest will sign it by itself
    digest_now()
    post(f"/accounts/{signed}/deposits", {"amount": 1})  # after the digest, not marked either
    assert problems(signed_before="2000-01-01T00:00:00.000000Z") == {}  # within the lag
    late = problems(signed_before="9999-01-01T00:00:00.000000Z")
    assert set(late) == {stream_id(signed), stream_id(unmarked)}
    assert late[stream_id(unmarked)].startswith("version 1: no digest signed the commits (")
    assert late[stream_id(signed)].startswith("version 3: no digest signed the commits after")
    made = list(digester().run_all(sorted(host().aggregates.store.stream_ids())))
    assert [len(d.heads) for d in made] == [2]
    assert problems(signed_before="9999-01-01T00:00:00.000000Z") == {}


def test_signing_every_stream_takes_one_digest_per_max_streams() -> None:
    from handlers.digester import digester

    made = [stream_id(a) for a in (funded(n) for n in (1, 2, 3, 4, 5))]
    run = digester()
    run.max_streams = 2
    digests = list(run.run_all(sorted(made)))
    assert [[h.stream_id for h in d.heads] for d in digests] == [
        sorted(made)[0:2],
        sorted(made)[2:4],
        sorted(made)[4:],
    ]
    assert [d.sequence for d in digests] == [1, 2, 3]


def test_digests_cannot_be_changed_or_deleted_once_kept() -> None:
    from handlers import bootstrap

    accounts(10)
    one = digest_now()
    s3, bucket = boto3.client("s3"), bootstrap.settings().digest_bucket
    key = digest_key(one.sequence)
    with pytest.raises(DigestTaken):
        bootstrap.aws().digest_store().put(one)
    (version,) = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    # Past the bucket's policy (moto does not enforce it), a second version or a delete marker
    # over a digest is still refused by verify; so is a forged digest under a fresh key.
    forged = {**one.to_json(), "heads": [], "tree_size": 0}
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(forged).encode())
    assert "written 2 times" in (digested_heads()[1] or "")


def test_a_hidden_or_unsigned_digest_fails_verify() -> None:
    from handlers import bootstrap

    accounts(10)
    one = digest_now()
    s3, bucket = boto3.client("s3"), bootstrap.settings().digest_bucket
    forged = {**one.to_json(), "sequence": 2, "previous": one.digest_hash, "heads": []}
    s3.put_object(
        Bucket=bucket, Key=digest_key(2), Body=json.dumps({**forged, "tree_size": 0}).encode()
    )
    assert "signature" in (digested_heads()[1] or "")
    s3.delete_object(Bucket=bucket, Key=digest_key(2))  # a delete marker, no version removed
    assert "delete marker" in (digested_heads()[1] or "")


def test_a_consistent_reseal_is_reported_where_the_digest_disagrees() -> None:
    (account,) = accounts(10)
    post(f"/accounts/{account}/deposits", {"amount": 5})
    host().mark_changed([stream_id(account)])
    digest_now()
    _reseal(stream_id(account), amount=5_000_000)
    assert next(iter(verify_streams(host().aggregates, [stream_id(account)]))).ok  # chain alone
    assert "re-sealed" in problems()[stream_id(account)]


def test_truncation_a_missing_first_commit_and_a_deleted_stream_are_each_reported() -> None:
    cut, headless, gone, intact = accounts(10, 20, 30, 40)
    for account in (cut, headless, gone):
        post(f"/accounts/{account}/deposits", {"amount": 1})
    host().mark_changed([stream_id(a) for a in (cut, headless, gone)])
    digest_now()
    client, events = table()
    client.delete_item(TableName=events, Key={"pk": {"S": stream_id(cut)}, "sk": {"N": "3"}})
    client.delete_item(TableName=events, Key={"pk": {"S": stream_id(headless)}, "sk": {"N": "1"}})
    for version in (1, 2, 3):
        key = {"pk": {"S": stream_id(gone)}, "sk": {"N": str(version)}}
        client.delete_item(TableName=events, Key=key)
    found = problems()
    assert set(found) == {stream_id(cut), stream_id(headless), stream_id(gone)}
    assert "version 3" in found[stream_id(cut)]
    assert "newest commits missing" in found[stream_id(cut)]
    assert "missing" in found[stream_id(headless)]
    assert "the stream is missing" in found[stream_id(gone)]
    assert stream_id(intact) not in found


def test_a_proof_checks_offline_and_fails_for_any_change() -> None:
    from handlers import bootstrap

    (account,) = accounts(10)
    post(f"/accounts/{account}/deposits", {"amount": 7})
    host().mark_changed([stream_id(account)])
    digest_now()
    aws = bootstrap.aws()
    proof = make_proof(host().aggregates.store, aws.digest_store().all(), stream_id(account), 2)
    offline = aws.digest_public_key()
    assert offline is not None
    assert proof_problem(proof, offline) is None
    assert [c["content"]["version"] for c in proof["commits"]] == [2, 3]
    for change in CHANGES:
        changed = copy.deepcopy(proof)
        change(changed)
        assert proof_problem(changed, offline) is not None, change.__doc__


def _set(path: str, value: Any) -> Any:
    def change(proof: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = proof
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    change.__doc__ = f"{path} = {value!r}"
    return change


CHANGES = [
    _set("commits.0.content.events.0.data.amount", 10**12),
    _set("commits.1.content.actor", "someone else"),
    _set("commits.0.hash", "0" * 64),
    _set("version", 4),
    _set("head.version", 4),
    _set("leaf_index", 1),
    _set("digest.root", "0" * 64),
    _set("digest.issued_at", "2020-01-01T00:00:00.000000Z"),
    _set("digest.tree_size", 2),
    _set("digest.signature", "MEUCIQ" + "A" * 90),
    _set("stream_id", "Account-other"),
    _set("commits", []),
    _set("version", True),
    _set("leaf_index", 0.0),
    _set("digest.sequence", "1"),
]


def _reseal(stream: str, amount: int) -> None:
    """Rewrite the stream's commits with a changed deposit and every later hash re-sealed, as an
    attacker with write access to the table could."""
    from adapters.commit_item import to_item
    from eventcore.commits import GENESIS_HASH
    from eventcore.events import StoredEvent
    from eventcore.hashchain import seal

    client, events = table()
    previous = GENESIS_HASH
    for commit in list(host().aggregates.store.read(stream)):
        stored = [
            StoredEvent(e.type, e.schema_version, {**e.data, "amount": amount})
            if e.type == "Deposited"
            else e
            for e in commit.events
        ]
        resealed = seal(stream, commit.version, stored, commit.meta, previous)
        client.put_item(TableName=events, Item=to_item(resealed))
        previous = resealed.hash


def _context() -> Any:
    from esctl.http_gateway import LambdaContext

    return LambdaContext()
