"""Making moto usable at ledger scale on one machine.

DynamoDB: moto backs up every table a transaction touches with `copy.deepcopy` before applying
it, so each TransactWriteItems costs time in proportion to the tables' size (measured: 2 ms at
10 items, 146 ms at 2,000). Every API command is a transaction (events + idempotency receipt),
so the local stack slowed down as it was used. The local AWS serves one request at a time, which
makes a check-everything-then-apply transaction atomic without any backup; this module swaps
that in for transactions made only of Puts and ConditionChecks (all this project sends) and
leaves every other transaction to moto.

SQS: moto counts a queue's messages (visible, delayed, in flight) by walking all of them, and
does so on every SendMessage (it builds the queue's attributes to read one FIFO setting). The
example subscription's queue keeps every integration event until `esctl tail` drains it, so
each event delivered to it cost time in proportion to the backlog: with 1,500 waiting, the
publisher's deliveries held the one-request-at-a-time local AWS long enough to slow every
command (the 16-client e2e test took 146 s, and a drain by `esctl tail` over two minutes).
SQS's own counts are approximate (eventually consistent, AWS says, for about a minute); here
each is computed at most once a second per queue.

EventBridge: moto parses each rule target's input paths into a JSONPath expression for every
event it delivers, building a new parser (a yacc table) each time, a fifth of its CPU under the
e2e load; the expressions are the same few strings, so they are parsed once.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import jsonpath_ng.ext
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.sqs.models import Queue

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


# Queue properties that walk every message of the queue.
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)
COUNT_SECONDS = 1.0
_original_counts = {name: getattr(Queue, name) for name in _COUNTS}
_parse_jsonpath = getattr(jsonpath_ng.ext, "parse")  # noqa: B009 (not re-exported for mypy)


def _approximate(name: str, counted: Callable[[Queue], int]) -> property:
    def count(queue: Queue) -> int:
        cache: dict[str, tuple[float, int]] = queue.__dict__.setdefault("_approximate", {})
        now = time.monotonic()
        hit = cache.get(name)
        if hit is None or now - hit[0] >= COUNT_SECONDS:
            hit = cache[name] = (now, counted(queue))
        return hit[1]

    return property(count)


def apply() -> None:
    """Install the faster transaction and the approximate counts (idempotent). Only safe when
    requests are serialized."""
    DynamoDBBackend.transact_write_items = _checked_then_applied  # type: ignore[method-assign]
    for name, original in _original_counts.items():
        setattr(Queue, name, _approximate(name, original.fget))
    # moto imports `parse` from the module when it delivers an event, so it finds this one.
    setattr(jsonpath_ng.ext, "parse", functools.lru_cache(maxsize=256)(_parse_jsonpath))  # noqa: B010
