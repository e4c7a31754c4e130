"""`ChangeMarks` in the projections table: one item per projected batch (`pk` = "digest-due"),
listing the streams the batch touched, so marking costs one write per batch, not per stream.

Items are keyed by time and a random suffix: concurrent projectors never collide, and the
digester clears exactly the items it read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from adapters.dynamodb_calls import call
from eventcore.digesting import Marked

PARTITION = "digest-due"
# Stream ids per item: far below the 400 KB item limit even at the longest ids the API admits.
_PER_ITEM = 1_000
_DELETES_PER_BATCH = 25


class DynamoDBChangeMarks:
    def __init__(self, client: Any, table: str, clock: Callable[[], str]) -> None:
        self._client = client
        self._table = table
        self._clock = clock

    def mark(self, stream_ids: Sequence[str]) -> None:
        unique = sorted(set(stream_ids))
        for start in range(0, len(unique), _PER_ITEM):
            item = {
                "pk": {"S": PARTITION},
                "sk": {"S": f"{self._clock()}#{uuid.uuid4().hex}"},
                "streams": {"SS": unique[start : start + _PER_ITEM]},
            }
            call(self._client, "put_item", TableName=self._table, Item=item)

    def marked(self, max_streams: int) -> Marked:
        streams: set[str] = set()
        marks: list[str] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": PARTITION}},
            "ConsistentRead": True,
        }
        while True:
            page = call(self._client, "query", **request)
            for item in page.get("Items", []):
                marks.append(item["sk"]["S"])
                streams.update(item["streams"]["SS"])
                if len(streams) >= max_streams:
                    return Marked(frozenset(streams), tuple(marks))
            if "LastEvaluatedKey" not in page:
                return Marked(frozenset(streams), tuple(marks))
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def clear(self, marks: Sequence[str]) -> None:
        for start in range(0, len(marks), _DELETES_PER_BATCH):
            requests = [
                {"DeleteRequest": {"Key": {"pk": {"S": PARTITION}, "sk": {"S": sk}}}}
                for sk in marks[start : start + _DELETES_PER_BATCH]
            ]
            pending: dict[str, Any] = {self._table: requests}
            while pending:
                answer = call(self._client, "batch_write_item", RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
