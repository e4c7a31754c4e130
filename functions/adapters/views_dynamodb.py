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
        self,
        limit: int,
        cursor: str | None,
        where: tuple[str, str] | None = None,
        up_to: str | None = None,
    ) -> ViewPage[V]:
        """A Scan of the live table, or with `where` a Query of the index over that attribute
        (sorted by the index's sort key, or the view's key): never more than one request."""
        request: dict[str, Any] = {"TableName": self.table(), "Limit": limit}
        operation = "scan"
        after = _decode(cursor) if cursor else None
        start = {self._key: {"S": after["after"]}} if after else None
        sort_key = None
        if where is not None:
            name, value = where
            sort_key = self.model.index(name).sort_key
            operation = "query"
            request |= _index_query(name, value, sort_key, up_to)
            if start is not None:
                start[name] = {"S": value}
                if sort_key is not None:
                    if not isinstance(after.get("sort") if after else None, str):
                        raise ValueError("cursor is not one this API returned")
                    start[sort_key] = {"S": after["sort"] if after else ""}
        elif up_to is not None:
            raise ValueError("up_to needs a sorted index")
        if start is not None:
            request["ExclusiveStartKey"] = start
        response = call(self._client, operation, **request)
        items = [item for item in response.get("Items", []) if self._items.is_view(item)]
        last = response.get("LastEvaluatedKey")
        # moto omits LastEvaluatedKey on an exactly full page; a full page may have more after it.
        if last is None and len(items) == limit and items:
            last = items[-1]
        views = [self._items.view(item) for item in items]
        if not last:
            return ViewPage(views, None)
        sort = last[sort_key]["S"] if sort_key is not None else None
        return ViewPage(views, _encode(last[self._key]["S"], sort))


def _index_query(name: str, value: str, sort_key: str | None, up_to: str | None) -> dict[str, Any]:
    if up_to is not None and sort_key is None:
        raise ValueError(f"the index {name!r} is not sorted")
    condition = "#index = :value"
    names = {"#index": name}
    values: dict[str, Any] = {":value": {"S": value}}
    if up_to is not None and sort_key is not None:
        condition += " AND #sort <= :up_to"
        names["#sort"] = sort_key
        values[":up_to"] = {"S": up_to}
    return {
        "IndexName": index_name(name),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _encode(key: str, sort: str | None = None) -> str:
    position: dict[str, str] = {"after": key}
    if sort is not None:
        position["sort"] = sort
    raw = json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
        after = position["after"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ValueError("cursor is not one this API returned") from error
    if not isinstance(after, str) or not after:
        raise ValueError("cursor is not one this API returned")
    return dict(position)
