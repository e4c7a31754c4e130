"""Publishing to EventBridge within its limits: batching, retries of rejected entries only,
and nothing ever dropped without being handed back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from adapters.integration_bus_eventbridge import (
    ENTRY_TOO_LARGE,
    MAX_REQUEST_BYTES,
    BusEntry,
    EventBridgePublisher,
    batches,
)
from tests.eventbridge import FakeEventBridge, size_of


def entry(n: int, detail_bytes: int = 20) -> BusEntry:
    detail = f'{{"n":{n},"pad":"{"x" * max(0, detail_bytes - 20)}"}}'
    return BusEntry(
        key=str(100 + n),
        event_id=f"Account-a:{n}",
        source="ledger.accounts",
        detail_type="Deposited",
        detail=detail,
        time=datetime(2026, 1, 2, tzinfo=UTC),
    )


def publisher(fake: FakeEventBridge, sleeps: list[float] | None = None) -> EventBridgePublisher:
    record = sleeps.append if sleeps is not None else (lambda _: None)
    return EventBridgePublisher(fake, "ledger-test-events", sleep=record, jitter=lambda: 1.0)


def test_size_is_counted_as_eventbridge_counts_it() -> None:
    plain = BusEntry("1", "e", "ledger.accounts", "Deposited", '{"owner":"Zoë"}')
    assert plain.size() == len("ledger.accounts") + len("Deposited") + len('{"owner":"Zoë"}') + 1
    timed = BusEntry("1", "e", "ledger.accounts", "Deposited", "{}", datetime.now(UTC))
    assert timed.size() == len("ledger.accounts") + len("Deposited") + 2 + 14


def test_twenty_five_events_take_three_requests() -> None:
    fake = FakeEventBridge()
    assert publisher(fake).publish([entry(n) for n in range(25)]) == []
    assert [len(call) for call in fake.calls] == [10, 10, 5]
    assert [e["Detail"] for e in fake.accepted] == [entry(n).detail for n in range(25)]
    assert {e["EventBusName"] for e in fake.accepted} == {"ledger-test-events"}
    assert all(e["Time"] == datetime(2026, 1, 2, tzinfo=UTC) for e in fake.accepted)


def test_big_entries_split_requests_by_size() -> None:
    big = [entry(n, detail_bytes=100 * 1024) for n in range(3)]
    fake = FakeEventBridge()
    assert publisher(fake).publish([entry(0), *big, entry(9)]) == []
    # 100 KB + 100 KB fit one 256 KB request; a third does not.
    assert [len(call) for call in fake.calls] == [3, 2]
    assert sum(size_of(e) for e in fake.calls[0]) <= MAX_REQUEST_BYTES


def test_batches_keep_order_and_respect_both_limits() -> None:
    entries = [entry(n, detail_bytes=(n % 4) * 60 * 1024 + 20) for n in range(30)]
    runs = list(batches(entries))
    assert [e for run in runs for e in run] == entries
    assert all(len(run) <= 10 and sum(e.size() for e in run) <= MAX_REQUEST_BYTES for run in runs)


def test_an_entry_too_large_is_never_sent_and_is_handed_back() -> None:
    huge = entry(7, detail_bytes=MAX_REQUEST_BYTES)
    fake = FakeEventBridge()
    [failed] = publisher(fake).publish([entry(1), huge, entry(2)])
    assert (failed.entry, failed.error_code, failed.attempts) == (huge, ENTRY_TOO_LARGE, 0)
    assert [e["Detail"] for e in fake.accepted] == [entry(1).detail, entry(2).detail]


def test_a_rejected_entry_is_retried_alone_with_backoff() -> None:
    unlucky = entry(3).detail
    fake = FakeEventBridge(
        lambda e, attempt: "ThrottlingException" if e["Detail"] == unlucky and attempt < 3 else None
    )
    sleeps: list[float] = []
    assert publisher(fake, sleeps).publish([entry(n) for n in range(5)]) == []
    assert [len(call) for call in fake.calls] == [5, 1, 1]
    assert [e["Detail"] for e in fake.calls[1] + fake.calls[2]] == [unlucky, unlucky]
    assert sorted(e["Detail"] for e in fake.accepted) == sorted(entry(n).detail for n in range(5))
    assert sleeps == [0.1, 0.2]  # exponential (jitter pinned to its maximum here)


def test_an_entry_rejected_every_time_is_handed_back_after_bounded_attempts() -> None:
    doomed = entry(2).detail
    fake = FakeEventBridge(lambda e, _: "InternalFailure" if e["Detail"] == doomed else None)
    [failed] = publisher(fake).publish([entry(n) for n in range(4)])
    assert (failed.entry, failed.error_code, failed.attempts) == (entry(2), "InternalFailure", 4)
    assert len(fake.calls) == 4
    assert len(fake.accepted) == 3


def test_a_failure_count_without_error_codes_resends_the_whole_batch() -> None:
    class Vague(FakeEventBridge):
        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            self.calls.append(Entries)
            ok = len(self.calls) > 1
            return {"FailedEntryCount": 0 if ok else 1, "Entries": [{} for _ in Entries]}

    fake = Vague()
    assert publisher(fake).publish([entry(1), entry(2)]) == []
    assert [len(call) for call in fake.calls] == [2, 2]


def test_a_failed_request_hands_back_everything_not_yet_put() -> None:
    class Unavailable(FakeEventBridge):
        def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
            if self.calls:
                error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
                raise ClientError(error, "PutEvents")
            return super().put_events(Entries)

    fake = Unavailable()
    failed = publisher(fake).publish([entry(n) for n in range(25)])
    # The first request went through; the second failed and the third was not attempted.
    assert len(fake.accepted) == 10
    assert [f.entry for f in failed] == [entry(n) for n in range(10, 25)]
    assert {f.error_code for f in failed} == {"ThrottlingException"}


def test_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        EventBridgePublisher(FakeEventBridge(), "bus", max_attempts=0)
