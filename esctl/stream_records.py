"""Reading a DynamoDB stream (moto locally) and shaping its records as Lambda delivers them."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def lambda_record(raw: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """`get_records` output lacks `eventSourceARN` and gives a datetime where Lambda gives epoch
    seconds; fix both so the projector sees exactly what the event source mapping sends."""
    record = dict(raw)
    change = dict(record.get("dynamodb", {}))
    created = change.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = int(created.timestamp())
    record["dynamodb"] = change
    record.setdefault("eventSource", "aws:dynamodb")
    record.setdefault("awsRegion", region)
    record["eventSourceARN"] = stream_arn
    return record


def stream_arn(dynamodb: Any, table: str) -> str:
    return str(dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"])


class StreamReader:
    """Reads each shard of a stream from a position of our own, like an event source mapping.

    A fresh iterator is taken on each read (moto swaps in a copy of the table after a failed
    transaction, and old iterators then read a stale shard).
    """

    def __init__(self, streams: Any, arn: str, region: str) -> None:
        self._streams = streams
        self.arn = arn
        self._region = region
        # shard id -> ("AFTER_SEQUENCE_NUMBER" | "AT_SEQUENCE_NUMBER", sequence number)
        self.positions: dict[str, tuple[str, str]] = {}

    def shards(self) -> list[str]:
        description = self._streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
        return [shard["ShardId"] for shard in description["Shards"]]

    def read(self, shard_id: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` records from the shard's position, without moving it."""
        request: dict[str, Any] = {"StreamArn": self.arn, "ShardId": shard_id}
        position = self.positions.get(shard_id)
        if position is None:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            request["ShardIteratorType"], request["SequenceNumber"] = position
        iterator = self._streams.get_shard_iterator(**request)["ShardIterator"]
        page = self._streams.get_records(ShardIterator=iterator, Limit=limit)
        return [lambda_record(raw, self.arn, self._region) for raw in page.get("Records", [])]

    def advance(self, shard_id: str, past: str) -> None:
        """Next reads start after sequence number `past`."""
        self.positions[shard_id] = ("AFTER_SEQUENCE_NUMBER", past)

    def rewind(self, shard_id: str, to: str) -> None:
        """Next reads start at sequence number `to` (a failed record is delivered again)."""
        self.positions[shard_id] = ("AT_SEQUENCE_NUMBER", to)

    def poll(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Everything new on every shard, moving past it."""
        records: list[dict[str, Any]] = []
        for shard_id in self.shards():
            batch = self.read(shard_id, limit)
            if batch:
                self.advance(shard_id, batch[-1]["dynamodb"]["SequenceNumber"])
            records += batch
        return records
