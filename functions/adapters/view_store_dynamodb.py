"""The projector's side of a read model: `ViewStore` over one DynamoDB table (a blue/green slot).

Kept apart from the reading side (`views_dynamodb`) so the HTTP functions, which only read views,
never load the projector's code on a cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from botocore.exceptions import ClientError

from adapters.dynamodb_calls import error_code
from adapters.parked_streams_dynamodb import ParkedStreams
from adapters.view_items import ViewItems
from eventcore.commits import GENESIS_HASH
from eventcore.projector import Projected, StaleView
from eventcore.read_models import ReadModel

V = TypeVar("V")


class DynamoDBViewStore(Generic[V]):
    """One read model's views (a `ViewStore`) on one table, `table` naming it (or saying which
    one, for the live slot of a blue/green pair).

    The item's `version` is the high-water mark; a parked stream carries `parked` (its error)
    in the same item, so the projector learns of it from the failed condition, not a read.
    """

    def __init__(
        self,
        client: Any,
        model: ReadModel[V],
        table: str | Callable[[], str],
        parked: ParkedStreams,
    ) -> None:
        self._client = client
        self._items = ViewItems(model)
        self._table = table if callable(table) else (lambda: table)
        self.model = model
        self.parked = parked

    def load(self, stream_id: str) -> Projected[V]:
        item = self._client.get_item(
            TableName=self._table(), Key=self._items.key(stream_id), ConsistentRead=True
        ).get("Item")
        if item is None:
            return Projected(None, 0)
        parked = item.get("parked", {}).get("S")
        view = self._items.view(item) if self._items.is_view(item) else None
        last_hash = item.get("last_hash", {}).get("S", GENESIS_HASH)
        return Projected(view, int(item["version"]["N"]), parked, last_hash)

    def save(self, stream_id: str, projected: Projected[V], expected_version: int) -> None:
        if projected.view is None:
            raise ValueError("nothing to save")
        item = self._items.to_item(stream_id, projected.view, projected.version)
        item["last_hash"] = {"S": projected.last_hash}
        self._put(item, expected_version)

    def park(
        self, stream_id: str, progress: Projected[V], at: int, error: str, expected_version: int
    ) -> None:
        if progress.view is not None:
            item = self._items.to_item(stream_id, progress.view, progress.version)
        else:  # parked before its first event could be projected: a marker, not a view
            item = self._items.marker(stream_id)
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
            "Key": self._items.key(stream_id),
            "UpdateExpression": "REMOVE parked",
            "ConditionExpression": "attribute_exists(#key)",
            "ExpressionAttributeNames": {"#key": self.model.key},
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
        condition: dict[str, Any] = {
            "ConditionExpression": "version = :expected AND attribute_not_exists(parked)",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        }
        if expected_version == 0:
            condition["ConditionExpression"] = (
                f"attribute_not_exists(#key) OR ({condition['ConditionExpression']})"
            )
            condition["ExpressionAttributeNames"] = {"#key": self.model.key}
        return condition

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
