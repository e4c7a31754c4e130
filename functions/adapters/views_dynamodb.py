"""Reading a read model from the live one of its blue/green DynamoDB tables."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Generic, TypeVar

from adapters.dynamodb_calls import call
from adapters.projection_slots_dynamodb import ActiveSlots
from adapters.view_items import ViewItems
from eventcore.read_models import ReadModel, ViewPage
from hosting.names import index_name

V = TypeVar("V")


class DynamoDBViews(Generic[V]):
    """A `ViewReader` over the tables of both slots; reads go to whichever slot is live."""

    def __init__(
        self, client: Any, model: ReadModel[V], tables: dict[str, str], slots: ActiveSlots
    ) -> None:
        self._client = client
        self._items = ViewItems(model)
        self._key = model.key
        self._tables = tables
        self._slots = slots
        self.model = model

    def table(self) -> str:
        return self._tables[self._slots.active(self.model.name)]

    def get(self, key: str) -> V | None:
        item = call(
            self._client, "get_item", TableName=self.table(), Key={self._key: {"S": key}}
        ).get("Item")
        return self._items.view(item) if item and self._items.is_view(item) else None

    def page(
        self, limit: int, cursor: str | None, where: tuple[str, str] | None = None
    ) -> ViewPage[V]:
        """A Scan of the live table, or with `where` a Query of the index over that attribute
        (sorted by key): never more than one request."""
        request: dict[str, Any] = {"TableName": self.table(), "Limit": limit}
        operation = "scan"
        start = {self._key: {"S": _decode(cursor)}} if cursor else None
        if where is not None:
            name, value = where
            if name not in self.model.indexes:
                raise ValueError(f"{self.model.name} has no index {name!r}")
            operation = "query"
            request |= {
                "IndexName": index_name(name),
                "KeyConditionExpression": "#index = :value",
                "ExpressionAttributeNames": {"#index": name},
                "ExpressionAttributeValues": {":value": {"S": value}},
            }
            if start is not None:
                start[name] = {"S": value}
        if start is not None:
            request["ExclusiveStartKey"] = start
        response = call(self._client, operation, **request)
        items = [item for item in response.get("Items", []) if self._items.is_view(item)]
        last = response.get("LastEvaluatedKey")
        # moto omits LastEvaluatedKey on an exactly full page; a full page may have more after it.
        if last is None and len(items) == limit and items:
            last = {self._key: items[-1][self._key]}
        views = [self._items.view(item) for item in items]
        return ViewPage(views, _encode(last[self._key]["S"]) if last else None)


def _encode(key: str) -> str:
    raw = json.dumps({"after": key}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        after = json.loads(raw)["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ValueError("cursor is not one this API returned") from error
    if not isinstance(after, str) or not after:
        raise ValueError("cursor is not one this API returned")
    return after
