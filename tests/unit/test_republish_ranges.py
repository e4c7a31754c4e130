"""From an on-failure message's batch description to the commits `esctl republish` publishes:
the arrival-time window, the union of windows one Scan reads, and which messages are the
publisher's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esctl.republish import Message, Scope, covered, ranges_of
from esctl.stream_failures import NotAFailedBatch, Window, coalesce, failed_batch
from eventcore.commits import Commit, CommitMeta, format_time
from eventcore.events import StoredEvent

STREAM_ARN = (
    "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger-dev-events/stream/2026-11-28T10:00:00.000"
)
PUBLISHER = "arn:aws:lambda:eu-west-1:123456789012:function:ledger-dev-publisher"
PROJECTOR = "arn:aws:lambda:eu-west-1:123456789012:function:ledger-dev-projector"
SCOPE = Scope("ledger-dev-events", "ledger-dev-publisher", timedelta(seconds=60))


def on_failure(
    first: str, last: str, function_arn: str = PUBLISHER, stream_arn: str = STREAM_ARN
) -> dict[str, Any]:
    """An on-failure message as Lambda sends it for a DynamoDB stream batch (AWS's example)."""
    return {
        "requestContext": {
            "requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81",
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 6,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "version": "1.0",
        "timestamp": "2026-11-28T10:20:00.021Z",
        "DDBStreamBatchInfo": {
            "shardId": "shardId-00000001573689847184-864758bb",
            "startSequenceNumber": "800000000003126276362",
            "endSequenceNumber": "800000000003126276399",
            "approximateArrivalOfFirstRecord": first,
            "approximateArrivalOfLastRecord": last,
            "batchSize": 3,
            "streamArn": stream_arn,
        },
    }


def message(n: int, body: dict[str, Any] | str) -> Message:
    return Message(f"m{n}", f"r{n}", body if isinstance(body, str) else json.dumps(body))


def commit(stream: str, version: int, recorded_at: str) -> Commit:
    meta = CommitMeta("cmd", "corr", "actor", recorded_at)
    return Commit(stream, version, (StoredEvent("Deposited", 1, {"amount": 1}),), meta, "0", "1")


def test_a_batch_description_is_read_as_lambda_writes_it() -> None:
    body = json.dumps(on_failure("2026-11-28T10:15:31Z", "2026-11-28T10:15:33Z"))
    batch = failed_batch(body)
    assert (batch.first_sequence_number, batch.last_sequence_number) == (
        "800000000003126276362",
        "800000000003126276399",
    )
    assert batch.first_arrival == datetime(2026, 11, 28, 10, 15, 31, tzinfo=UTC)
    assert batch.table == "ledger-dev-events"
    assert batch.function_name == "ledger-dev-publisher"
    assert batch.size == 3
    assert batch.condition == "RetryAttemptsExhausted"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"KinesisBatchInfo": {"shardId": "s"}}),
        json.dumps({"DDBStreamBatchInfo": {"shardId": "s", "startSequenceNumber": "1"}}),
        # A time without a zone cannot be placed against recorded (UTC) times.
        json.dumps(on_failure("2026-11-28T10:15:31", "2026-11-28T10:15:33")),
        json.dumps([1, 2]),
    ],
)
def test_anything_else_is_not_a_failed_batch(body: str) -> None:
    with pytest.raises(NotAFailedBatch):
        failed_batch(body)


def test_the_window_reaches_slack_before_the_first_arrival_and_after_the_last_second() -> None:
    batch = failed_batch(json.dumps(on_failure("2026-11-28T10:15:31Z", "2026-11-28T10:15:33Z")))
    window = batch.window(timedelta(seconds=60))
    assert window == Window("2026-11-28T10:14:31.000000Z", "2026-11-28T10:16:34.000000Z")
    # A commit is recorded before its write, by at most the command function's timeout (10 s),
    # and its record's arrival is rounded down to the second: both ends are inside.
    assert window.covers("2026-11-28T10:15:21.000001Z")
    assert window.covers("2026-11-28T10:15:33.999999Z")
    assert window.covers(window.first)
    assert window.covers(window.last)
    assert not window.covers("2026-11-28T10:14:30.999999Z")
    assert not window.covers("2026-11-28T10:16:34.000001Z")


def test_a_window_maps_to_the_commits_recorded_in_it_and_to_no_other() -> None:
    inside = [
        commit("Account-a", 3, "2026-11-28T10:15:25.000000Z"),
        commit("Account-b", 1, "2026-11-28T10:15:33.500000Z"),
    ]
    outside = [
        commit("Account-a", 1, "2026-11-28T09:00:00.000000Z"),
        commit("Account-c", 7, "2026-11-28T10:30:00.000000Z"),
    ]
    scans: list[list[Window]] = []

    def scan(windows: list[Window]) -> list[Commit]:
        scans.append(windows)
        return [c for c in inside + outside if any(w.covers(c.recorded_at) for w in windows)]

    body = on_failure("2026-11-28T10:15:31Z", "2026-11-28T10:15:33Z")
    (found,), refused = ranges_of([message(1, body)], SCOPE, scan)
    assert refused == []
    assert found.commits == inside
    assert len(scans) == 1


def test_only_the_publishers_batches_of_this_table_are_ranges() -> None:
    at = "2026-11-28T10:15:31Z"
    other_table = STREAM_ARN.replace("ledger-dev-events", "ledger-dev-other")
    messages = [
        message(1, on_failure(at, at)),
        message(2, on_failure(at, at, function_arn=PROJECTOR)),
        message(3, on_failure(at, at, stream_arn=other_table)),
        message(4, "hello"),
    ]
    ranges, refused = ranges_of(messages, SCOPE, lambda windows: [])
    assert [r.message.message_id for r in ranges] == ["m1"]
    reasons = {k.message.message_id: k.reason for k in refused}
    assert "ledger-dev-projector" in reasons["m2"]
    assert "catches up" in reasons["m2"]
    assert "ledger-dev-other" in reasons["m3"]
    assert "not a DynamoDB stream batch" in reasons["m4"]


def test_overlapping_windows_scan_once_and_publish_a_shared_commit_once() -> None:
    shared = commit("Account-a", 2, "2026-11-28T10:15:40.000000Z")
    bodies = [
        on_failure("2026-11-28T10:15:31Z", "2026-11-28T10:15:31Z"),
        on_failure("2026-11-28T10:15:50Z", "2026-11-28T10:15:50Z"),
    ]
    seen: list[list[Window]] = []

    def scan(windows: list[Window]) -> list[Commit]:
        seen.append(windows)
        return [shared]

    ranges, _ = ranges_of([message(n, b) for n, b in enumerate(bodies)], SCOPE, scan)
    assert [len(seen), len(seen[0])] == [1, 1]  # the two windows overlap: one filter term
    assert [r.commits for r in ranges] == [[shared], [shared]]
    assert covered([c for r in ranges for c in r.commits]) == [shared]


def test_coalescing_joins_the_closest_windows_first() -> None:
    def at(minute: int) -> str:
        return format_time(datetime(2026, 1, 1, 10, minute, tzinfo=UTC))

    windows = [Window(at(0), at(1)), Window(at(2), at(3)), Window(at(30), at(31))]
    assert coalesce(windows, 2) == [Window(at(0), at(3)), Window(at(30), at(31))]
    assert coalesce(windows, 1) == [Window(at(0), at(31))]
    assert coalesce([Window(at(5), at(9)), Window(at(0), at(6))], 5) == [Window(at(0), at(9))]


minutes = st.integers(min_value=0, max_value=600)


@given(
    spans=st.lists(st.tuples(minutes, st.integers(0, 30)), min_size=1, max_size=30),
    limit=st.integers(1, 8),
    probes=st.lists(minutes, max_size=20),
)
def test_coalescing_never_loses_a_moment(
    spans: list[tuple[int, int]], limit: int, probes: list[int]
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def at(minute: int) -> str:
        return format_time(start + timedelta(minutes=minute))

    windows = [Window(at(first), at(first + length)) for first, length in spans]
    joined = coalesce(windows, limit)
    assert len(joined) <= limit
    assert joined == sorted(joined)
    for probe in [*probes, *(first for first, _ in spans)]:
        if any(w.covers(at(probe)) for w in windows):
            assert any(w.covers(at(probe)) for w in joined)
