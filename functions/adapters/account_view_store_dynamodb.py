"""The projector's side of the accounts read model: `ViewStore` over one DynamoDB table.

Kept apart from the reading side (`account_views_dynamodb`) so the HTTP functions, which only
read views, never load the projector's code on a cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from accounts.decider import account_id_of
from accounts.views import AccountView
from adapters.account_views_dynamodb import view_from_item, view_to_item
from adapters.dynamodb_calls import error_code
from adapters.parked_streams_dynamodb import ParkedStreams
from eventcore.commits import GENESIS_HASH
from eventcore.projector import Projected, StaleView


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
        self._put(item, expected_version)

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
        # The view and the register entry are written together: a stream parked in its view
        # but missing from the register would be stuck without anyone being told.
        table = self._table()
        view = {"TableName": table, "Item": item, **self._unchanged_since(expected_version)}
        self._transact(table, [{"Put": view}, self.parked.put(stream_id, at, error)])

    def unpark(self, stream_id: str) -> None:
        table = self._table()
        update = {
            "TableName": table,
            "Key": {"account_id": {"S": account_id_of(stream_id)}},
            "UpdateExpression": "REMOVE parked",
            "ConditionExpression": "attribute_exists(account_id)",
        }
        try:
            self._transact(table, [{"Update": update}, self.parked.delete(stream_id)])
        except StaleView:
            # No view item in the live table (the stream was parked in the other slot before a
            # rebuild switched them): nothing to unpark there, only the register entry to drop.
            self.parked.remove(stream_id)

    def _unchanged_since(self, expected_version: int) -> dict[str, Any]:
        """The condition of every view write: the view is still at `expected_version`, and not
        parked."""
        condition = "version = :expected AND attribute_not_exists(parked)"
        if expected_version == 0:
            condition = f"attribute_not_exists(account_id) OR ({condition})"
        return {
            "ConditionExpression": condition,
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        }

    def _put(self, item: dict[str, Any], expected_version: int) -> None:
        table = self._table()
        try:
            self._client.put_item(
                TableName=table, Item=item, **self._unchanged_since(expected_version)
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise StaleView(f"{table}: view moved past {expected_version}") from None
            raise

    def _transact(self, table: str, actions: list[dict[str, Any]]) -> None:
        """`actions` in one TransactWriteItems; the first is the view's write, on `table`."""
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                raise StaleView(f"{table}: the view moved on or is gone") from None
            raise
