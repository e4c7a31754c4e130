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
    """Follows every shard of a stream, remembering the last sequence number read per shard.

    A fresh iterator is taken on each poll (AFTER_SEQUENCE_NUMBER the last one read): moto swaps
    in a copy of the table after a failed transaction, and old iterators then read a stale shard.
    """

    def __init__(self, streams: Any, arn: str, region: str) -> None:
        self._streams = streams
        self._arn = arn
        self._region = region
        self.positions: dict[str, str] = {}

    def poll(self, limit: int = 1000) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            position = self.positions.get(shard_id)
            request: dict[str, Any] = {"StreamArn": self._arn, "ShardId": shard_id}
            if position is None:
                request["ShardIteratorType"] = "TRIM_HORIZON"
            else:
                request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
                request["SequenceNumber"] = position
            iterator = self._streams.get_shard_iterator(**request)["ShardIterator"]
            page = self._streams.get_records(ShardIterator=iterator, Limit=limit)
            for raw in page.get("Records", []):
                records.append(lambda_record(raw, self._arn, self._region))
                self.positions[shard_id] = raw["dynamodb"]["SequenceNumber"]
        return records

    def rewind(self, shard_positions: dict[str, str]) -> None:
        """Go back to the given positions (a failed batch is delivered again from there)."""
        self.positions.update(shard_positions)
