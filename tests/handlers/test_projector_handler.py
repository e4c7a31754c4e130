"""The projector Lambda on records that moto's stream really produced, and the read-model routes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from domains.accounts.views import ACCOUNTS as ACCOUNTS_VIEW
from esctl.http_gateway import LambdaContext
from esctl.stream_records import StreamReader, stream_arn
from handlers import bootstrap, projector
from handlers.aws_infrastructure import AwsInfrastructure
from tests.handlers.test_commands import funded, get, open_account, post

pytestmark = pytest.mark.usefixtures("stack")


def reader() -> StreamReader:
    dynamodb = boto3.client("dynamodb")
    arn = stream_arn(dynamodb, bootstrap.settings().events_table)
    return StreamReader(boto3.client("dynamodbstreams"), arn, "eu-west-1")


def project(records: list[dict[str, Any]]) -> dict[str, Any]:
    return projector.handler({"Records": records}, LambdaContext(function_name="projector"))


def test_records_from_moto_are_lambda_shaped():
    open_account()
    (record,) = reader().poll()
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:")
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert record["dynamodb"]["NewImage"]["pk"]["S"].startswith("Account-")
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_read_model_follows_commands():
    stream = reader()
    source, target = funded(500), open_account("Bob")
    post("/transfers", {"from_account": source, "to_account": target, "amount": 120})
    assert get(f"/accounts/{source}").status == 404  # nothing projected yet
    assert project(stream.poll()) == {"batchItemFailures": []}
    reply = get(f"/accounts/{source}")
    assert (reply.status, reply.headers["etag"]) == (200, '"3"')
    assert reply.json == get(f"/accounts/{source}", consistency="strong").json
    assert get(f"/accounts/{target}").json["balance"] == 120


def test_listing_pages_through_the_read_model():
    stream = reader()
    accounts = {open_account(f"owner {n}") for n in range(7)}
    project(stream.poll())
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        query: dict[str, Any] = {"limit": 3}
        if cursor:
            query["cursor"] = cursor
        page = get("/accounts", **query).json
        seen += [a["account_id"] for a in page["accounts"]]
        assert all(
            set(a)
            == {"account_id", "owner", "currency", "balance", "status", "version"}
            | {"available", "pending_debits", "pending_credits"}
            for a in page["accounts"]
        )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(accounts)


def test_redelivered_and_reordered_batches_change_nothing():
    stream = reader()
    account = funded(100)
    post(f"/accounts/{account}/withdrawals", {"amount": 40})
    records = stream.poll()
    project(records[::-1])
    project(records + records)
    assert get(f"/accounts/{account}").json["balance"] == 60


def test_a_dropped_record_is_caught_up_from_the_table():
    stream = reader()
    account = funded(100)
    post(f"/accounts/{account}/deposits", {"amount": 5})
    records = stream.poll()
    project([records[0], records[2]])  # version 2 never arrives
    assert (
        get(f"/accounts/{account}").json == get(f"/accounts/{account}", consistency="strong").json
    )


def test_a_throttled_event_table_read_fails_the_batch_item_and_redelivery_converges():
    from tests.faults import Throttle

    stream = reader()
    account = funded(100)
    post(f"/accounts/{account}/deposits", {"amount": 5})
    records = stream.poll()
    gap = [records[0], records[2]]  # version 2 must be read from the event table
    throttle = Throttle(bootstrap.client("dynamodb"), "Query", times=1)
    failed = project(gap)
    assert throttle.calls == 1
    # Reported from the stream's first record, so Lambda redelivers all of it; nothing written.
    first = records[0]["dynamodb"]["SequenceNumber"]
    assert failed == {"batchItemFailures": [{"itemIdentifier": first}]}
    assert get(f"/accounts/{account}").status == 404
    assert project(gap) == {"batchItemFailures": []}
    assert (
        get(f"/accounts/{account}").json == get(f"/accounts/{account}", consistency="strong").json
    )


def test_snapshots_are_written_every_n_versions(monkeypatch):
    monkeypatch.setenv("SNAPSHOT_EVERY", "3")
    bootstrap.settings.cache_clear()
    stream = reader()
    account = funded(1)
    for _ in range(5):
        post(f"/accounts/{account}/deposits", {"amount": 1})
    project(stream.poll())
    s3 = boto3.client("s3")
    keys = sorted(
        o["Key"]
        for o in s3.list_objects_v2(Bucket=bootstrap.settings().snapshot_bucket)["Contents"]
    )
    prefix = f"snapshots/Account-{account}/"
    assert keys == [
        f"{prefix}000000000003.json",
        f"{prefix}000000000006.json",
        f"{prefix}latest.json",
    ]
    # A cold command now reads the snapshot and only the commits after it.
    bootstrap.use(None)
    assert post(f"/accounts/{account}/deposits", {"amount": 1}).json["balance"] == 7


def test_a_snapshot_it_cannot_sign_holds_nothing_back(monkeypatch, capsys):
    # The signing key out of reach (KMS down or denying: moto signs even with a disabled key,
    # so the call itself fails here) costs the snapshot, not the batch: the read model moves
    # on, nothing is retried, and the miss is counted.
    from botocore.exceptions import EndpointConnectionError

    def unreachable(**_: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://kms.eu-west-1.amazonaws.com")

    monkeypatch.setenv("SNAPSHOT_EVERY", "3")
    bootstrap.settings.cache_clear()
    monkeypatch.setattr(bootstrap.client("kms"), "sign", unreachable)
    stream = reader()
    account = funded(1)
    for _ in range(2):
        post(f"/accounts/{account}/deposits", {"amount": 1})
    capsys.readouterr()
    assert project(stream.poll()) == {"batchItemFailures": []}
    assert '"SnapshotWriteFailed":[1.0]' in capsys.readouterr().out
    assert get(f"/accounts/{account}").json["balance"] == 3
    listed = boto3.client("s3").list_objects_v2(Bucket=bootstrap.settings().snapshot_bucket)
    assert listed.get("KeyCount") == 0


def test_a_poison_stream_is_parked_on_dynamodb_and_replay_heals_it():
    import threading

    from domains.accounts.events import registry
    from domains.accounts.views import project_stream
    from eventcore.projector import StreamProjector

    stream = reader()
    good, bad = funded(10), funded(20)
    fixed = threading.Event()

    def buggy(view: Any, stream_id: str, event: Any) -> Any:
        if stream_id.endswith(bad) and event.type == "Deposited" and not fixed.is_set():
            raise ValueError("unsupported deposit")
        return project_stream(view, stream_id, event)

    views = bootstrap.aws().view_store(ACCOUNTS_VIEW)
    store = bootstrap.host().aggregates.store
    projector_ = StreamProjector(views=views, projection=buggy, store=store, registry=registry)
    from handlers.stream_batch import process

    report = process(stream.poll(), projector_.project)
    assert report.failures == []
    assert get(f"/accounts/{good}").json["balance"] == 10
    assert get(f"/accounts/{bad}").json["version"] == 1  # kept up to the poison
    parked = list(views.parked)
    assert [(p.stream_id, p.version) for p in parked] == [(f"Account-{bad}", 2)]
    assert "unsupported deposit" in parked[0].error

    post(f"/accounts/{bad}/deposits", {"amount": 1})
    post(f"/accounts/{good}/deposits", {"amount": 1})
    process(stream.poll(), projector_.project)
    assert get(f"/accounts/{bad}").json["version"] == 1  # skipped while parked
    assert get(f"/accounts/{good}").json["balance"] == 11

    fixed.set()
    views.unpark(f"Account-{bad}")
    projector_.replay(f"Account-{bad}")
    assert get(f"/accounts/{bad}").json == get(f"/accounts/{bad}", consistency="strong").json
    assert list(views.parked) == []


def test_parking_writes_the_view_and_the_register_together_or_not_at_all():
    from domains.accounts.events import registry
    from eventcore.projector import StreamProjector
    from handlers.stream_batch import process
    from tests.faults import Throttle

    stream = reader()
    account = funded(10)

    def poison(view: Any, stream_id: str, event: Any) -> Any:
        raise ValueError("cannot project anything")

    views = bootstrap.aws().view_store(ACCOUNTS_VIEW)
    store = bootstrap.host().aggregates.store
    projector_ = StreamProjector(views=views, projection=poison, store=store, registry=registry)
    records = stream.poll()
    Throttle(bootstrap.client("dynamodb"), "TransactWriteItems", times=1)

    first = process(records, projector_.project)
    assert len(first.failures) == 1  # retried by the event source mapping
    assert views.load(f"Account-{account}").parked is None
    assert list(views.parked) == []

    assert process(records, projector_.project).failures == []
    assert views.load(f"Account-{account}").parked is not None
    assert [p.stream_id for p in views.parked] == [f"Account-{account}"]


def test_a_damaged_table_item_parks_its_stream_after_applying_what_precedes_it():
    stream = reader()
    account = funded(100)  # versions 1 (opened) and 2
    post(f"/accounts/{account}/deposits", {"amount": 5})  # version 3
    records = stream.poll()
    project(records[:1])
    table = bootstrap.settings().events_table
    key = {"pk": {"S": f"Account-{account}"}, "sk": {"N": "3"}}
    boto3.client("dynamodb").update_item(TableName=table, Key=key, UpdateExpression="REMOVE events")
    damaged = records[2]
    del damaged["dynamodb"]["NewImage"]["events"]  # its record is unreadable as well

    assert project([records[1], damaged]) == {"batchItemFailures": []}

    views = bootstrap.aws().view_store(ACCOUNTS_VIEW)
    view = views.load(f"Account-{account}")
    assert (view.version, view.view.balance if view.view else None) == (2, 100)
    assert [(p.stream_id, p.version) for p in views.parked] == [(f"Account-{account}", 3)]


def test_unparking_a_stream_without_a_view_in_the_live_slot_clears_its_entry():
    views = bootstrap.aws().view_store(ACCOUNTS_VIEW)
    views.parked.add("Account-gone", 4, "parked before a rebuild switched slots")
    views.unpark("Account-gone")
    assert list(views.parked) == []


def test_racing_projectors_on_dynamodb_apply_each_event_once():
    import threading

    from tests.aws import Serialized

    stream = reader()
    account = funded(1)
    for _ in range(30):
        post(f"/accounts/{account}/deposits", {"amount": 1})
    records = stream.poll()
    serialized = Serialized(boto3.client("dynamodb"))
    errors: list[BaseException] = []

    def run(seed: int) -> None:
        import random

        from handlers.stream_batch import process

        config = bootstrap.settings()
        views = AwsInfrastructure(bootstrap.settings, lambda _: serialized).view_store(
            ACCOUNTS_VIEW
        )
        from adapters.event_store_dynamodb import DynamoDBEventStore
        from domains.accounts.events import registry
        from domains.accounts.views import project_stream
        from eventcore.projector import StreamProjector

        store = DynamoDBEventStore(serialized, config.events_table)
        mine = StreamProjector(
            views=views, projection=project_stream, store=store, registry=registry
        )
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        try:
            for start in range(0, len(shuffled), 4):
                batch = shuffled[start : start + 4]
                # Under this much contention a stream can lose its race every attempt; Lambda
                # then delivers the batch again, and so does this loop.
                for _ in range(10):
                    if not process(batch, mine.project).failures:
                        break
                else:
                    raise AssertionError("a batch kept failing")
        except BaseException as failure:  # reported to the main thread
            errors.append(failure)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (
        get(f"/accounts/{account}").json == get(f"/accounts/{account}", consistency="strong").json
    )
    assert get(f"/accounts/{account}").json["balance"] == 31
