"""How a commit is laid out as a DynamoDB item (also what the table's stream carries).

Events are kept as one JSON string: it round-trips exactly (so hashes verify), is readable in the
console, and parses far faster than DynamoDB's typed attribute maps.
"""

from __future__ import annotations

import json
from typing import Any

from eventcore.commits import Commit, CommitMeta, Receipt
from eventcore.events import StoredEvent

Item = dict[str, dict[str, Any]]


def to_item(commit: Commit) -> Item:
    meta = commit.meta
    events = [e.to_json() for e in commit.events]
    return {
        "pk": {"S": commit.stream_id},
        "sk": {"N": str(commit.version)},
        "last": {"N": str(commit.last_version)},
        "events": {"S": json.dumps(events, separators=(",", ":"), ensure_ascii=False)},
        "recorded_at": {"S": meta.recorded_at},
        "command_id": {"S": meta.command_id},
        "correlation_id": {"S": meta.correlation_id},
        "actor": {"S": meta.actor},
        "prev_hash": {"S": commit.prev_hash},
        "hash": {"S": commit.hash},
    }


def from_item(item: Item) -> Commit:
    events = tuple(StoredEvent.from_json(e) for e in json.loads(item["events"]["S"]))
    meta = CommitMeta(
        command_id=item["command_id"]["S"],
        correlation_id=item["correlation_id"]["S"],
        actor=item["actor"]["S"],
        recorded_at=item["recorded_at"]["S"],
    )
    return Commit(
        stream_id=item["pk"]["S"],
        version=int(item["sk"]["N"]),
        events=events,
        meta=meta,
        prev_hash=item["prev_hash"]["S"],
        hash=item["hash"]["S"],
    )


def receipt_to_item(receipt: Receipt) -> Item:
    return {
        "pk": {"S": receipt.key},
        "fingerprint": {"S": receipt.fingerprint},
        "response": {"S": json.dumps(receipt.response, separators=(",", ":"))},
        "expires_at": {"N": str(receipt.expires_at)},
    }


def receipt_from_item(item: Item) -> Receipt:
    return Receipt(
        key=item["pk"]["S"],
        fingerprint=item["fingerprint"]["S"],
        response=json.loads(item["response"]["S"]),
        expires_at=int(item["expires_at"]["N"]),
    )
