"""A stream's history as stored, a page at a time: every event with who, when, why and its
commit's hash, in its original schema version."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from application.callers import Caller, principal_of
from eventcore.commits import Commit
from eventcore.personal import ERASURE_EVENT, PersonalData, is_sealed
from eventcore.store import EventStore

# What says who sent a command: left out of other principals' commands for a caller who does
# not see everything.
IDENTIFYING = ("actor", "command_id", "correlation_id")


@dataclass(frozen=True, slots=True)
class HistoryPage:
    events: list[dict[str, Any]]
    next_after: int | None


def history(store: EventStore, stream_id: str, after: int, limit: int) -> HistoryPage | None:
    """Up to `limit` events after version `after`, or None when the stream does not exist."""
    first = store.commit_containing(stream_id, after + 1)
    if first is None:
        if after == 0 or store.commit_containing(stream_id, 1) is None:
            return None
        return HistoryPage([], None)
    # The commit holding `after + 1`, then at most `limit` more: every commit holds an event,
    # so that is enough for `limit` events and the one that says there are more.
    commits = chain([first], store.read(stream_id, after=first.version, limit=limit))
    wanted = list(islice(_events_after(commits, after), limit + 1))
    more = len(wanted) > limit
    events = wanted[:limit]
    return HistoryPage(events, events[-1]["version"] if more else None)


def _events_after(commits: Iterator[Commit], after: int) -> Iterator[dict[str, Any]]:
    for commit in commits:
        for offset, event in enumerate(commit.events):
            version = commit.version + offset
            if version > after:
                yield {
                    "version": version,
                    "type": event.type,
                    "schema_version": event.schema_version,
                    "data": dict(event.data),
                    "recorded_at": commit.meta.recorded_at,
                    "command_id": commit.meta.command_id,
                    "correlation_id": commit.meta.correlation_id,
                    "actor": commit.meta.actor,
                    "hash": commit.hash,
                }


def seen_by(page: HistoryPage, caller: Caller) -> HistoryPage:
    """The page as `caller` may see it: its own commands whole, other principals' (a sender's
    transfer, an operator's deposit) without their identity, Idempotency-Key or correlation id."""
    events = [
        event
        if principal_of(str(event["actor"])) == caller.principal
        else {**event, **dict.fromkeys(IDENTIFYING)}
        for event in page.events
    ]
    return HistoryPage(events, page.next_after)


def revealed(
    page: HistoryPage,
    personal: PersonalData,
    erased: Callable[[str], Iterable[str]] | None = None,
) -> HistoryPage:
    """The page with every sealed value in the events' data revealed (a field's name is the
    purpose it was sealed for): null once its subject's key is destroyed. With `erased` (the
    personal fields of an event type, for a subject whose data was erased), those fields read
    as null even where they hold text stored before values were sealed."""

    def shown(event: dict[str, Any]) -> dict[str, Any]:
        nulled = set(erased(str(event["type"]))) if erased is not None else set()
        return {
            name: None
            if name in nulled
            else (personal.reveal(value, name) if is_sealed(value) else value)
            for name, value in event["data"].items()
        }

    events = [{**event, "data": shown(event)} for event in page.events]
    return HistoryPage(events, page.next_after)


def plain_personal_values(
    page: HistoryPage, personal_fields: Callable[[str], Iterable[str]]
) -> bool:
    """Whether the page shows a personal field in text stored before values were sealed."""
    return any(
        event["data"].get(name) is not None and not is_sealed(event["data"].get(name))
        for event in page.events
        for name in personal_fields(str(event["type"]))
    )


def erasure_recorded(store: EventStore, stream_id: str) -> bool:
    """Whether the stream records its subject's erasure (reads the whole stream: for tools)."""
    return any(
        event.type == ERASURE_EVENT for commit in store.read(stream_id) for event in commit.events
    )
