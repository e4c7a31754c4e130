"""Reading the `accounts` read model from the live blue/green DynamoDB table."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from accounts.decider import account_id_of
from accounts.views import AccountView, Page
from adapters.parked_streams_dynamodb import ParkedStreams
from adapters.projection_slots_dynamodb import ActiveSlots
from eventcore.commits import GENESIS_HASH
from eventcore.projector import Projected, StaleView

MODEL = "accounts"


def view_from_item(item: dict[str, Any]) -> AccountView:
    return AccountView(
        account_id=item["account_id"]["S"],
        owner=item["owner"]["S"],
        currency=item["currency"]["S"],
        balance=int(item["balance"]["N"]),
        status=item["status"]["S"],
        version=int(item["version"]["N"]),
    )


def view_to_item(view: AccountView) -> dict[str, Any]:
    return {
        "account_id": {"S": view.account_id},
        "owner": {"S": view.owner},
        "currency": {"S": view.currency},
        "balance": {"N": str(view.balance)},
        "status": {"S": view.status},
        "version": {"N": str(view.version)},
    }


class DynamoDBAccountViews:
    """`AccountViews` over the tables of both slots; reads go to whichever slot is live."""

    def __init__(self, client: Any, tables: dict[str, str], slots: ActiveSlots) -> None:
        self._client = client
        self._tables = tables
        self._slots = slots

    def table(self) -> str:
        return self._tables[self._slots.active(MODEL)]

    def get(self, account_id: str) -> AccountView | None:
        item = self._client.get_item(
            TableName=self.table(), Key={"account_id": {"S": account_id}}
        ).get("Item")
        return view_from_item(item) if item and _is_view(item) else None

    def page(self, limit: int, cursor: str | None) -> Page:
        request: dict[str, Any] = {"TableName": self.table(), "Limit": limit}
        if cursor:
            request["ExclusiveStartKey"] = {"account_id": {"S": _decode(cursor)}}
        response = self._client.scan(**request)
        views = [view_from_item(item) for item in response.get("Items", []) if _is_view(item)]
        last = response.get("LastEvaluatedKey")
        # moto omits LastEvaluatedKey on an exactly full page; a full page may have more after it.
        if last is None and len(views) == limit and views:
            last = {"account_id": {"S": views[-1].account_id}}
        return Page(views, _encode(last["account_id"]["S"]) if last else None)


def _is_view(item: dict[str, Any]) -> bool:
    # A stream parked before its first event could be projected leaves a marker, not a view.
    return "owner" in item


def _encode(account_id: str) -> str:
    raw = json.dumps({"after": account_id}).encode()
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


class DynamoDBAccountViewStore:
    """The projector's side of the accounts read model (a `ViewStore`), on one table.

    The item's `version` is the high-water mark; a parked stream carries `parked` (its error)
    in the same item, so the projector learns of it from the failed condition, not a read.
    """

    def __init__(self, client: Any, table: str | Callable[[], str], parked: ParkedStreams) -> None:
        self._client = client
        self._table = table if callable(table) else (lambda: table)
        self.parked = parked

    def load(self, stream_id: str) -> Projected[AccountView]:
        item = self._client.get_item(
            TableName=self._table(),
            Key={"account_id": {"S": account_id_of(stream_id)}},
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return Projected(None, 0)
        parked = item.get("parked", {}).get("S")
        view = view_from_item(item) if "owner" in item else None
        last_hash = item.get("last_hash", {}).get("S", GENESIS_HASH)
        return Projected(view, int(item["version"]["N"]), parked, last_hash)

    def save(
        self, stream_id: str, projected: Projected[AccountView], expected_version: int
    ) -> None:
        if projected.view is None:
            raise ValueError("nothing to save")
        item = {**view_to_item(projected.view), "last_hash": {"S": projected.last_hash}}
        self._conditional("put_item", expected_version, Item=item)

    def park(
        self,
        stream_id: str,
        progress: Projected[AccountView],
        at: int,
        error: str,
        expected_version: int,
    ) -> None:
        if progress.view is not None:
            item = view_to_item(progress.view)
        else:  # parked before its first event could be projected: a marker, not a view
            item = {"account_id": {"S": account_id_of(stream_id)}, "version": {"N": "0"}}
        item["parked"] = {"S": error[:1000]}
        item["last_hash"] = {"S": progress.last_hash}
        self._conditional("put_item", expected_version, Item=item)
        self.parked.add(stream_id, at, error)

    def unpark(self, stream_id: str) -> None:
        self._client.update_item(
            TableName=self._table(),
            Key={"account_id": {"S": account_id_of(stream_id)}},
            UpdateExpression="REMOVE parked",
            ConditionExpression="attribute_exists(account_id)",
        )
        self.parked.remove(stream_id)

    def _conditional(self, operation: str, expected_version: int, **request: Any) -> None:
        condition = "version = :expected AND attribute_not_exists(parked)"
        if expected_version == 0:
            condition = f"attribute_not_exists(account_id) OR ({condition})"
        values = dict(request.pop("ExpressionAttributeValues", {}))
        values[":expected"] = {"N": str(expected_version)}
        try:
            getattr(self._client, operation)(
                TableName=self._table(),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                **request,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StaleView(f"{self._table()}: view moved past {expected_version}") from None
            raise
