"""Making moto's DynamoDB usable at ledger scale on one machine.

moto backs up every table a transaction touches with `copy.deepcopy` before applying it, so
each TransactWriteItems costs time in proportion to the tables' size (measured: 2 ms at 10
items, 146 ms at 2,000). Every API command is a transaction (events + idempotency receipt), so
the local stack slowed down as it was used. The local AWS serves one request at a time, which
makes a check-everything-then-apply transaction atomic without any backup; this module swaps
that in for transactions made only of Puts and ConditionChecks (all this project sends) and
leaves every other transaction to moto.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

_FAST_OPERATIONS = {"Put", "ConditionCheck"}
_original = DynamoDBBackend.transact_write_items


def _key(backend: DynamoDBBackend, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    if operation != "Put":
        return dict(request["Key"])
    table = backend.get_table(request["TableName"])
    key = {table.hash_key_attr: request["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = request["Item"][table.range_key_attr]
    return key


def _checked_then_applied(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    operations = [next(iter(item.items())) for item in transact_items]
    targets = [(r["TableName"], str(sorted(_key(self, o, r).items()))) for o, r in operations]
    if (
        len(transact_items) > 100
        or any(
            o not in _FAST_OPERATIONS or len(i) != 1
            for (o, _), i in zip(operations, transact_items, strict=True)
        )
        or len(set(targets)) != len(targets)
    ):
        _original(self, transact_items)  # moto's own validation errors, unchanged
        return
    reasons: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for operation, request in operations:
        current = self.get_item(request["TableName"], _key(self, operation, request))
        condition = request.get("ConditionExpression")
        passed = condition is None or get_filter_expression(
            condition,
            request.get("ExpressionAttributeNames"),
            request.get("ExpressionAttributeValues"),
        ).expr(current)
        if passed:
            reasons.append((None, None, None))
            continue
        old = None
        if request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
            old = current.to_json()["Attributes"]
        reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    for operation, request in operations:
        if operation == "Put":
            self.put_item(request["TableName"], request["Item"])


def apply() -> None:
    """Install the faster transaction (idempotent). Only safe when requests are serialized."""
    DynamoDBBackend.transact_write_items = _checked_then_applied  # type: ignore[method-assign]
