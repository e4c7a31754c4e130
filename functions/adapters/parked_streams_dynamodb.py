"""The register of parked streams, in the projections table (`pk` = "parked#<model>")."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ParkedStream:
    stream_id: str
    version: int
    error: str
    parked_at: str


class ParkedStreams:
    def __init__(self, client: Any, table: str, model: str, clock: Callable[[], str]) -> None:
        self._client = client
        self._table = table
        self._pk = f"parked#{model}"
        self._clock = clock

    def add(self, stream_id: str, version: int, error: str) -> None:
        self._client.put_item(**self.put(stream_id, version, error)["Put"])

    def remove(self, stream_id: str) -> None:
        self._client.delete_item(**self.delete(stream_id)["Delete"])

    def put(self, stream_id: str, version: int, error: str) -> dict[str, Any]:
        """The register entry as a TransactWriteItems action, to write with the parked view."""
        item = {
            "pk": {"S": self._pk},
            "sk": {"S": stream_id},
            "version": {"N": str(version)},
            "error": {"S": error[:1000]},
            "parked_at": {"S": self._clock()},
        }
        return {"Put": {"TableName": self._table, "Item": item}}

    def delete(self, stream_id: str) -> dict[str, Any]:
        """Removing the entry as a TransactWriteItems action, to write with the unparked view."""
        key = {"pk": {"S": self._pk}, "sk": {"S": stream_id}}
        return {"Delete": {"TableName": self._table, "Key": key}}

    def __iter__(self) -> Iterator[ParkedStream]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": self._pk}},
            "ConsistentRead": True,
        }
        while True:
            page = self._client.query(**request)
            for item in page.get("Items", []):
                yield ParkedStream(
                    item["sk"]["S"],
                    int(item["version"]["N"]),
                    item["error"]["S"],
                    item["parked_at"]["S"],
                )
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
