"""How a commit is laid out as a DynamoDB item (also what the table's stream carries).

Events are kept as one JSON string: it round-trips exactly (so hashes verify), is readable in the
console, and parses far faster than DynamoDB's typed attribute maps.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from pydantic_core import from_json

from eventcore.commits import Commit, CommitMeta, Receipt
from eventcore.events import Event, EventRegistry, StoredEvent

Item = dict[str, dict[str, Any]]

# What `ItemEvents` reads, as DynamoDB expression attribute names (`hash` is a reserved
# word, so every attribute goes through a name placeholder).
FOLDED_ATTRIBUTES = {
    "#sk": "sk",
    "#events": "events",
    "#hash": "hash",
    "#recorded_at": "recorded_at",
}


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
    meta = CommitMeta(
        item["command_id"]["S"],
        item["correlation_id"]["S"],
        item["actor"]["S"],
        item["recorded_at"]["S"],
    )
    return Commit(
        item["pk"]["S"],
        int(item["sk"]["N"]),
        stored_events(item),
        meta,
        item["prev_hash"]["S"],
        item["hash"]["S"],
    )


def stored_events(item: Item) -> tuple[StoredEvent, ...]:
    # pydantic-core's JSON parser: several times faster than `json.loads` on these small
    # documents, same values for the JSON that `to_item` writes. Malformed JSON raises
    # ValueError and a missing key KeyError.
    return tuple([StoredEvent.from_json(raw) for raw in from_json(item["events"]["S"])])


class ItemEvents(NamedTuple):
    """`CommitEvents` of a commit's item (the attributes in `FOLDED_ATTRIBUTES`): the version
    read as the item is, the rest when asked for. The events go to the registry as the JSON they
    are stored as; the hash and time are looked up, which a fold does for the last commit only.
    """

    version: int
    item: Item

    @property
    def hash(self) -> str:
        return str(self.item["hash"]["S"])

    @property
    def recorded_at(self) -> str:
        return str(self.item["recorded_at"]["S"])

    def load_events(self, registry: EventRegistry, count: int | None = None) -> list[Event]:
        if count is None:
            return registry.load_json(self.item["events"]["S"])
        return [registry.load(event) for event in stored_events(self.item)[:count]]


def item_events(item: Item) -> ItemEvents:
    # Replaying a stream runs this once per commit: the named tuple is built with
    # `tuple.__new__`, which is what its own constructor calls, without the Python-level call
    # around it.
    return tuple.__new__(ItemEvents, (int(item["sk"]["N"]), item))


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
