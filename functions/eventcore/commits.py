"""Commits: the unit of storage. One command's events for one stream, stored and sealed together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from eventcore.events import Event, EventRegistry, StoredEvent

# Every stream's chain starts from this hash.
GENESIS_HASH = "0" * 64


def format_time(moment: datetime) -> str:
    """The one textual form of a recorded time: UTC, microseconds, `Z`. It sorts as it reads."""
    if moment.tzinfo is None:
        raise ValueError("recorded times must be timezone-aware")
    # isoformat pads the year to four digits, which strftime's %Y does not do before year 1000
    # on every platform; unpadded years would sort after later ones.
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class CommitMeta(NamedTuple):
    """Who did what, when and why: stored with every commit of a command."""

    command_id: str
    correlation_id: str
    actor: str
    recorded_at: str

    @classmethod
    def now(cls, command_id: str, correlation_id: str, actor: str, at: datetime) -> CommitMeta:
        return cls(command_id, correlation_id, actor, format_time(at))


class Commit(NamedTuple):
    """Events `version .. last_version` of one stream, with their metadata and hash-chain links.

    Commits and their parts are named tuples: immutable like frozen dataclasses, and a replay,
    which builds one per stored commit, spends a third of the time constructing them.
    """

    stream_id: str
    version: int
    events: tuple[StoredEvent, ...]
    meta: CommitMeta
    prev_hash: str
    hash: str

    @property
    def last_version(self) -> int:
        return self.version + len(self.events) - 1

    @property
    def recorded_at(self) -> str:
        return self.meta.recorded_at

    def load_events(self, registry: EventRegistry, count: int | None = None) -> list[Event]:
        events = self.events if count is None else self.events[:count]
        return [registry.load(event) for event in events]


class CommitEvents(Protocol):
    """A commit as a fold reads it: its first version, its events loaded as current models,
    and the hash and time the state after it carries (the next commit chains to that hash).
    A `Commit` is one.

    Loading state asks the store for only these: on DynamoDB that is a projection of four
    attributes out of ten, about half the bytes and well under half the client's parsing. The
    events are loaded by the commit, so a store hands the registry whatever form it holds them
    in (DynamoDB's, their JSON, goes to `EventRegistry.load_json` in one piece).
    """

    @property
    def version(self) -> int: ...

    @property
    def hash(self) -> str: ...

    @property
    def recorded_at(self) -> str: ...

    def load_events(self, registry: EventRegistry, count: int | None = None) -> Sequence[Event]:
        """Its events as current models: the first `count` of them, or all."""
        ...


@dataclass(frozen=True, slots=True)
class Receipt:
    """The outcome of an idempotent request, stored in the same atomic write as its events.

    `fingerprint` identifies the request body, so a reused key with another body is detected;
    `response` is whatever the application needs to answer a retry exactly as it answered first.
    """

    key: str
    fingerprint: str
    response: dict[str, object]
    expires_at: int
