"""The local event source mapping follows Lambda's semantics for DynamoDB Streams."""

from __future__ import annotations

from typing import Any

from esctl.event_source import EventSourceMapping, MappingSettings


class FakeReader:
    """One shard of numbered records; positions work like the real StreamReader's."""

    arn = "arn:aws:dynamodb:eu-west-1:000000000000:table/events/stream/local"

    def __init__(self, count: int) -> None:
        self.records = [
            {
                "dynamodb": {
                    "SequenceNumber": str(100 + n),
                    "ApproximateCreationDateTime": 1795860931,
                }
            }
            for n in range(count)
        ]
        self.position = 0

    def shards(self) -> list[str]:
        return ["shard-1"]

    def read(self, shard_id: str, limit: int) -> list[dict[str, Any]]:
        return self.records[self.position : self.position + limit]

    def advance(self, shard_id: str, past: str) -> None:
        self.position = int(past) - 100 + 1

    def rewind(self, shard_id: str, to: str) -> None:
        self.position = int(to) - 100


def sequence(record: dict[str, Any]) -> int:
    return int(record["dynamodb"]["SequenceNumber"])


def mapping(reader: FakeReader, handler: Any, failures: list[Any], **settings: Any) -> Any:
    options = {"batch_size": 4, "batching_window": 0.0, "retry_attempts": 2, **settings}
    return EventSourceMapping(reader, handler, failures.append, MappingSettings(**options))  # type: ignore[arg-type]


def test_batches_are_delivered_in_order_up_to_the_batch_size():
    reader, seen, failures = FakeReader(10), [], []
    esm = mapping(reader, lambda e: seen.append([sequence(r) for r in e["Records"]]), failures)
    while esm.run_once():
        pass
    assert seen == [[100, 101, 102, 103], [104, 105, 106, 107], [108, 109]]
    assert failures == []


def test_a_partial_failure_resumes_at_the_lowest_failed_sequence_number():
    reader, seen, failures = FakeReader(6), [], []
    failed_once: set[int] = set()

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        numbers = [sequence(r) for r in event["Records"]]
        seen.append(numbers)
        bad = [n for n in numbers if n in (102, 103) and n not in failed_once]
        failed_once.update(bad)
        return {"batchItemFailures": [{"itemIdentifier": str(n)} for n in reversed(bad)]}

    esm = mapping(reader, handler, failures)
    while esm.run_once():
        pass
    assert seen[:2] == [[100, 101, 102, 103], [102, 103, 104, 105]]
    assert failures == []


def test_a_function_error_bisects_and_a_poison_record_goes_to_the_on_failure_destination():
    reader, delivered, failures = FakeReader(4), [], []

    def handler(event: dict[str, Any]) -> None:
        numbers = [sequence(r) for r in event["Records"]]
        if 102 in numbers:
            raise RuntimeError("poison")
        delivered.extend(numbers)

    esm = mapping(reader, handler, failures)
    while esm.run_once():
        pass
    assert sorted(set(delivered)) == [100, 101, 103]
    (failure,) = failures
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    info = failure["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == ("102", "102")
    assert info["streamArn"] == FakeReader.arn
    # As Lambda writes them for a DynamoDB stream: whole seconds, UTC.
    assert info["approximateArrivalOfFirstRecord"] == "2026-11-28T10:15:31Z"
    assert info["approximateArrivalOfLastRecord"] == "2026-11-28T10:15:31Z"


def test_the_batching_window_waits_for_more_records():
    now = [0.0]
    reader, seen, failures = FakeReader(2), [], []
    esm = EventSourceMapping(
        reader,  # type: ignore[arg-type]
        lambda e: seen.append(len(e["Records"])),
        failures.append,
        MappingSettings(batch_size=10, batching_window=1.0),
        clock=lambda: now[0],
    )
    assert esm.run_once() == 0  # two records, window still open
    now[0] = 1.5
    assert esm.run_once() == 2
    assert seen == [2]
