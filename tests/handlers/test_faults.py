"""Crashes, conflicts and throttling on the command path: nothing lost, nothing doubled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import boto3
import pytest

from eventcore.commits import Commit, Receipt
from eventcore.store import ConcurrencyError, EventStore
from handlers import bootstrap
from tests.faults import Throttle, cancelled
from tests.handlers.conftest import reset_dependencies
from tests.handlers.test_commands import events_of, funded, get, post

pytestmark = pytest.mark.usefixtures("stack")


class ProcessDied(BaseException):
    """Stands in for the Lambda runtime killing the process: nothing catches it."""


class CrashAfterWrite:
    """Delegates to the real store, then dies right after the write succeeded."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def append(self, commits: Sequence[Commit], receipt: Receipt | None = None) -> None:
        self._store.append(commits, receipt)
        raise ProcessDied

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.mark.parametrize("route", ["deposits", "withdrawals"])
def test_a_crash_after_the_write_then_a_retry_gives_one_effect_and_the_original_answer(route):
    account = funded(100)
    dying = bootstrap.host().aggregates  # the container's writer
    dying.store = CrashAfterWrite(dying.store)  # type: ignore[assignment]
    with pytest.raises(ProcessDied):
        post(f"/accounts/{account}/{route}", {"amount": 100}, key="crash-1")

    reset_dependencies()  # the retry lands on a fresh container with a cold cache
    retry = post(f"/accounts/{account}/{route}", {"amount": 100}, key="crash-1")
    balance = 200 if route == "deposits" else 0
    assert (retry.status, retry.json) == (
        201,
        {"account_id": account, "version": 3, "balance": balance},
    )
    assert retry.headers["idempotent-replayed"] == "true"
    again = post(f"/accounts/{account}/{route}", {"amount": 100}, key="crash-1")
    assert again.json == retry.json
    assert len(events_of(account)) == 3


def test_a_crash_during_a_transfer_then_a_retry_moves_the_money_once():
    source, target = funded(100), funded(0 + 1)
    dying = bootstrap.host().aggregates  # the container's writer
    dying.store = CrashAfterWrite(dying.store)  # type: ignore[assignment]
    body = {"from_account": source, "to_account": target, "amount": 60}
    with pytest.raises(ProcessDied):
        post("/transfers", body, key="t-crash")
    reset_dependencies()
    retry = post("/transfers", body, key="t-crash")
    assert retry.status == 201
    assert (len(events_of(source)), len(events_of(target))) == (3, 3)


class AlwaysLoses:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    def append(self, commits: Sequence[Commit], receipt: Receipt | None = None) -> None:
        raise ConcurrencyError([])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def test_endless_conflicts_end_in_409_concurrency_conflict():
    account = funded(100)
    aggregates = bootstrap.host().aggregates
    aggregates.store = AlwaysLoses(aggregates.store)  # type: ignore[assignment]
    reply = post(f"/accounts/{account}/deposits", {"amount": 1})
    assert (reply.status, reply.json["error"]) == (409, "concurrency_conflict")


def test_throttling_that_outlasts_retries_is_503_and_writes_nothing():
    account = funded(100)
    Throttle(bootstrap.client("dynamodb"), "TransactWriteItems", times=1)
    reply = post(f"/accounts/{account}/deposits", {"amount": 5}, key="busy")
    assert (reply.status, reply.json["error"]) == (503, "service_unavailable")
    assert reply.headers["retry-after"] == "1"
    assert reply.json["details"] == [{"retry_after": 1}]
    assert len(events_of(account)) == 2
    again = post(f"/accounts/{account}/deposits", {"amount": 5}, key="busy")
    assert (again.status, again.json["balance"]) == (201, 105)


def test_throttled_reads_are_503():
    account = funded(100)
    bootstrap.use(None)
    Throttle(bootstrap.client("dynamodb"), "Query", times=1)
    reply = post(f"/accounts/{account}/deposits", {"amount": 5})
    assert reply.status == 503
    table = bootstrap.settings().events_table
    assert len(boto3.client("dynamodb").scan(TableName=table)["Items"]) == 2


@pytest.mark.parametrize(
    "reasons", [("ThrottlingError", "None"), ("None", "ProvisionedThroughputExceeded")]
)
def test_a_transaction_cancelled_for_throttling_is_503_and_writes_nothing(reasons):
    account = funded(100)
    Throttle(bootstrap.client("dynamodb"), "TransactWriteItems", 1, cancelled(*reasons))
    reply = post(f"/accounts/{account}/deposits", {"amount": 5}, key="busy-item")
    assert (reply.status, reply.json["error"]) == (503, "service_unavailable")
    assert len(events_of(account)) == 2
    again = post(f"/accounts/{account}/deposits", {"amount": 5}, key="busy-item")
    assert (again.status, again.json["balance"]) == (201, 105)


def test_a_receipt_held_by_an_inflight_duplicate_is_decided_again_not_a_500():
    account = funded(100)
    contended = Throttle(
        bootstrap.client("dynamodb"),
        "TransactWriteItems",
        1,
        cancelled("None", "TransactionConflict"),
    )
    reply = post(f"/accounts/{account}/deposits", {"amount": 5}, key="twice")
    assert (reply.status, reply.json["balance"]) == (201, 105)
    assert contended.calls == 2
    assert len(events_of(account)) == 3


def test_a_receipt_contended_on_every_attempt_ends_in_409():
    account = funded(100)
    client = bootstrap.client("dynamodb")
    Throttle(client, "TransactWriteItems", 99, cancelled("None", "TransactionConflict"))
    reply = post(f"/accounts/{account}/deposits", {"amount": 5}, key="stuck")
    assert (reply.status, reply.json["error"]) == (409, "concurrency_conflict")
    assert len(events_of(account)) == 2


@pytest.mark.parametrize(
    ("path", "operation"), [("/accounts/{}", "GetItem"), ("/accounts", "Scan")]
)
def test_throttled_read_model_reads_are_503(path, operation):
    account = funded(100)
    Throttle(bootstrap.client("dynamodb"), operation, 1)
    reply = get(path.format(account))
    assert (reply.status, reply.json["error"]) == (503, "service_unavailable")
    assert reply.headers["retry-after"] == "1"


def test_a_timeout_reaching_dynamodb_is_503_not_500():
    from botocore.exceptions import ReadTimeoutError

    account = funded(100)
    client = bootstrap.client("dynamodb")

    def time_out(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://dynamodb.invalid")

    client.meta.events.register_first("before-call.dynamodb.TransactWriteItems", time_out)
    reply = post(f"/accounts/{account}/deposits", {"amount": 5})
    client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", time_out)
    assert (reply.status, reply.json["error"]) == (503, "service_unavailable")
    assert len(events_of(account)) == 2
