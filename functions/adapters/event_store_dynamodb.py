"""`EventStore` on DynamoDB: one item per commit, conditional writes, consistent queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from adapters.commit_item import (
    FOLDED_ATTRIBUTES,
    Item,
    from_item,
    item_events,
    receipt_from_item,
    receipt_to_item,
    to_item,
)
from adapters.dynamodb_calls import (
    BUSY_ITEM,
    UNREACHABLE,
    call,
    error_code,
    translate,
    unreachable,
)
from eventcore.commits import Commit, CommitEvents, Receipt
from eventcore.store import ConcurrencyError, Conflict, DuplicateRequest, StoreUnavailable

T = TypeVar("T")

_SLOT_FREE = "attribute_not_exists(pk)"


class DynamoDBEventStore:
    """Commits keyed (stream id, first version) in `table`; receipts keyed by their key in
    `receipts_table`. One commit without a receipt is one PutItem; anything more is one
    TransactWriteItems, so events and receipt are written together or not at all.

    `client` is a low-level boto3 DynamoDB client; `page_size` bounds each Query page (tests use
    it to cross page boundaries).
    """

    def __init__(
        self,
        client: Any,
        table: str,
        receipts_table: str | None = None,
        page_size: int | None = None,
    ) -> None:
        self._client = client
        self._table = table
        self._receipts_table = receipts_table
        self._page_size = page_size

    def append(self, commits: Sequence[Commit], receipt: Receipt | None = None) -> None:
        if receipt is None and len(commits) == 1:
            self._put_one(commits[0])
        elif commits or receipt is not None:
            self._transact(commits, receipt)

    def _put_one(self, commit: Commit) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(commit),
                ConditionExpression=_SLOT_FREE,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                old = error.response.get("Item")
                winner = from_item(old) if old else None
                raise ConcurrencyError(
                    [Conflict(commit.stream_id, commit.version, winner)]
                ) from None
            raise translate(error) from error
        except UNREACHABLE as error:
            raise unreachable(error) from error

    def _transact(self, commits: Sequence[Commit], receipt: Receipt | None) -> None:
        actions: list[dict[str, Any]] = [
            {"Put": self._conditional_put(self._table, to_item(c))} for c in commits
        ]
        if receipt is not None:
            if self._receipts_table is None:
                raise ValueError("this store was built without a receipts table")
            actions.append(
                {"Put": self._conditional_put(self._receipts_table, receipt_to_item(receipt))}
            )
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise translate(error) from error
            reasons = error.response.get("CancellationReasons") or []
            self._raise_cancelled(commits, receipt, reasons)
            raise
        except UNREACHABLE as error:
            raise unreachable(error) from error

    @staticmethod
    def _conditional_put(table: str, item: Item) -> dict[str, Any]:
        return {
            "TableName": table,
            "Item": item,
            "ConditionExpression": _SLOT_FREE,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    @staticmethod
    def _raise_cancelled(
        commits: Sequence[Commit], receipt: Receipt | None, reasons: list[dict[str, Any]]
    ) -> None:
        codes = [r.get("Code", "None") for r in reasons]
        receipt_reason = (
            reasons[len(commits)] if receipt is not None and len(reasons) > len(commits) else {}
        )
        if receipt_reason.get("Code") == "ConditionalCheckFailed" and "Item" in receipt_reason:
            raise DuplicateRequest(receipt_from_item(receipt_reason["Item"]))
        if any(code in BUSY_ITEM for code in codes):
            raise StoreUnavailable(f"transaction throttled: {codes}")
        # ConditionalCheckFailed means the slot is taken; TransactionConflict means another
        # transaction held the item at that moment. Either way: refresh and decide again.
        contended = ("ConditionalCheckFailed", "TransactionConflict")
        conflicts = [
            Conflict(c.stream_id, c.version, from_item(r["Item"]) if "Item" in r else None)
            for c, r in zip(commits, reasons, strict=False)
            if r.get("Code") in contended
        ]
        # Only the receipt contended: the same request is being written right now. Deciding
        # again meets its receipt once it lands (the original answer), else ends in a 409.
        if conflicts or receipt_reason.get("Code") == "TransactionConflict" or not reasons:
            raise ConcurrencyError(conflicts)

    def read(
        self, stream_id: str, *, after: int = 0, to: int | None = None, limit: int | None = None
    ) -> Iterator[Commit]:
        return _decoded(from_item, self._query_range(stream_id, after, to, limit=limit))

    def read_events(
        self, stream_id: str, *, after: int = 0, to: int | None = None
    ) -> Iterator[CommitEvents]:
        # DynamoDB charges the read by whole items either way; the projection saves the bytes
        # on the wire and botocore's parsing of the six attributes a fold never looks at.
        projection: dict[str, Any] = {
            "ProjectionExpression": ", ".join(FOLDED_ATTRIBUTES),
            "ExpressionAttributeNames": FOLDED_ATTRIBUTES,
        }
        return _decoded(item_events, self._query_range(stream_id, after, to, **projection))

    def _query_range(
        self,
        stream_id: str,
        after: int,
        to: int | None,
        *,
        limit: int | None = None,
        **request: Any,
    ) -> Iterator[list[Item]]:
        """The pages of items of the commits whose first version is in `(after, to]`, in order,
        at most `limit` items in all."""
        if to is None:
            condition = "pk = :pk AND sk > :after"
            values = {":pk": {"S": stream_id}, ":after": {"N": str(after)}}
        else:
            if to <= after:
                return iter(())
            condition = "pk = :pk AND sk BETWEEN :first AND :to"
            values = {
                ":pk": {"S": stream_id},
                ":first": {"N": str(after + 1)},
                ":to": {"N": str(to)},
            }
        return self._query_pages(condition, values, limit, **request)

    def commit_containing(self, stream_id: str, version: int) -> Commit | None:
        response = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk <= :v",
            ExpressionAttributeValues={":pk": {"S": stream_id}, ":v": {"N": str(version)}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        if not items:
            return None
        commit = from_item(items[0])
        return commit if commit.last_version >= version else None

    def newest_commit(self, stream_id: str) -> Commit | None:
        response = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": stream_id}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        return from_item(items[0]) if items else None

    def get_receipt(self, key: str) -> Receipt | None:
        if self._receipts_table is None:
            return None
        response = self._call(
            "get_item",
            TableName=self._receipts_table,
            Key={"pk": {"S": key}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return receipt_from_item(item) if item else None

    def stream_ids(self) -> Iterator[str]:
        # Every commit's key, not only first commits: a stream whose first commit was deleted
        # must still be found (and reported broken). A filter would read the same items anyway:
        # DynamoDB bills a Scan by the items it reads, not the ones it returns.
        seen: set[str] = set()
        for page in self._scan_pages({"TableName": self._table, "ProjectionExpression": "pk"}):
            for item in page.get("Items", []):
                stream = item["pk"]["S"]
                if stream not in seen:
                    seen.add(stream)
                    yield stream

    def recorded_within(
        self,
        windows: Sequence[tuple[str, str]],
        *,
        segments: int = 1,
        scanned: Callable[[int], None] = lambda _: None,
    ) -> list[Commit]:
        """Every commit whose recorded time lies in one of `windows` (`(first, last)`, both
        inclusive, as `format_time` writes times), in no particular order.

        A Scan of the whole table, for an operator's rare pass (`esctl republish`): neither the
        key nor an index is ordered by time. DynamoDB bills a Scan by the items it reads, filter
        or not, so a pass costs the table's size in read units; the filter saves only the bytes
        sent back. `segments` > 1 scans that many parts of the table at once (sooner, at the
        same cost); `scanned` is told how many items each page read, for progress.
        """
        if not windows:
            return []
        values: dict[str, Any] = {}
        for n, (first, last) in enumerate(windows):
            values[f":first{n}"], values[f":last{n}"] = {"S": first}, {"S": last}
        request: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": " OR ".join(
                f"#at BETWEEN :first{n} AND :last{n}" for n in range(len(windows))
            ),
            "ExpressionAttributeNames": {"#at": "recorded_at"},
            "ExpressionAttributeValues": values,
        }

        def segment(number: int) -> list[Commit]:
            part = {**request, "Segment": number, "TotalSegments": segments}
            found: list[Commit] = []
            for page in self._scan_pages(part if segments > 1 else request):
                scanned(int(page.get("ScannedCount", 0)))
                found += map(from_item, page.get("Items", []))
            return found

        if segments == 1:
            return segment(0)
        # boto3 clients are safe to share between threads once built.
        with ThreadPoolExecutor(max_workers=segments) as pool:
            return [commit for part in pool.map(segment, range(segments)) for commit in part]

    def _scan_pages(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        request = dict(request)
        while True:
            page = self._call("scan", **request)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _query_pages(
        self, condition: str, values: dict[str, Any], limit: int | None, **extra: Any
    ) -> Iterator[list[Item]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            **extra,
        }
        remaining = limit
        # A short page does not mean the end (moto even drops LastEvaluatedKey on a full one):
        # only the absence of LastEvaluatedKey does, or having read `limit` items.
        while remaining is None or remaining > 0:
            sizes = [n for n in (self._page_size, remaining) if n]
            if sizes:
                request["Limit"] = min(sizes)
            page = self._call("query", **request)
            items = page.get("Items", [])
            yield items
            if remaining is not None:
                remaining -= len(items)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        return call(self._client, operation, **request)


def _decoded(decode: Callable[[Item], T], pages: Iterable[list[Item]]) -> Iterator[T]:
    # Paged, then decoded a page at a time by `map`: a replay's per-item loop runs in C, not
    # through a generator resumed once per item.
    return chain.from_iterable(map(decode, page) for page in pages)
