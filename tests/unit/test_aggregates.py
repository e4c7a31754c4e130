"""Commands across categories: one atomic append over streams of different aggregates, each
decoded, sealed and evolved by its own repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import pytest

from eventcore.aggregates import Aggregates, UnknownCategory
from eventcore.cache import StateCache
from eventcore.commits import CommitMeta, Receipt
from eventcore.decider import Decider
from eventcore.errors import DomainError
from eventcore.events import Event, EventRegistry
from eventcore.hashchain import verify
from eventcore.memory import InMemoryEventStore
from eventcore.repository import Loaded, Repository
from eventcore.store import DuplicateRequest
from tests.counters import Add, Added, Start, Take, counter_repository, decide

# A second aggregate, as unlike a counter as can be: notes that collect lines of text.
notes = EventRegistry()


@notes.register
class Written(Event):
    type: Literal["Written"] = "Written"
    schema_version: Literal[1] = 1
    line: str


def note_evolve(lines: tuple[str, ...], event: Event) -> tuple[str, ...]:
    assert isinstance(event, Written)
    return (*lines, event.line)


def note_decide(command: str, lines: tuple[str, ...]) -> Sequence[Event]:
    return [Written(line=command)]


COUNTER, NOTE = "Counter-a", "Note-n"


def meta(n: int = 0) -> CommitMeta:
    return CommitMeta(f"cmd-{n}", "corr", "tester", f"2026-12-01T10:00:{n:02d}.000000Z")


def aggregates(store: InMemoryEventStore) -> Aggregates:
    note_repository: Repository[str, tuple[str, ...], Event] = Repository(
        store=store,
        registry=notes,
        decider=Decider((), note_evolve, note_decide),
        cache=StateCache(),
    )
    counters = counter_repository(store, cache=StateCache())
    return Aggregates(store, {"Counter": counters, "Note": note_repository})


def take_and_note(n: int, line: str) -> Any:
    """Take `n` from the counter and write down why, in one decision."""

    def both(states: tuple[Loaded[Any], ...]) -> Sequence[Sequence[Event]]:
        counter, _ = states
        return [decide(Take(n), counter.state), [Written(line=line)]]

    return both


def started(store: InMemoryEventStore, total: int) -> Aggregates:
    writer = aggregates(store)
    writer.execute([COUNTER], lambda s: [decide(Start("a"), s[0].state)], meta(0))
    writer.execute([COUNTER], lambda s: [decide(Add(total), s[0].state)], meta(1))
    return writer


def test_one_command_writes_two_categories_in_one_append() -> None:
    store = InMemoryEventStore()
    writer = started(store, 10)
    before = store.appends
    counter, note = writer.execute([COUNTER, NOTE], take_and_note(4, "paid the baker"), meta(2))
    assert store.appends == before + 1
    assert (counter.state.total, counter.version) == (6, 3)
    assert (note.state, note.version) == (("paid the baker",), 1)
    # Each stream is read back by its own category's registry and decider, cold.
    cold = aggregates(store)
    assert cold.load(COUNTER).state.total == 6
    assert cold.load(NOTE).state == ("paid the baker",)
    assert verify(NOTE, store.read(NOTE)).ok
    assert verify(COUNTER, store.read(COUNTER)).ok


def test_a_refusal_on_either_side_writes_neither() -> None:
    store = InMemoryEventStore()
    writer = started(store, 3)
    before = store.appends
    with pytest.raises(DomainError) as refused:
        writer.execute([COUNTER, NOTE], take_and_note(4, "too much"), meta(2))
    assert refused.value.code == "not_enough"
    assert store.appends == before
    assert list(store.read(NOTE)) == []


def test_a_lost_race_on_one_category_is_decided_again_on_fresh_states() -> None:
    store = InMemoryEventStore()
    first = started(store, 10)
    first.load(NOTE)  # cached: the note is empty
    second = aggregates(store)
    second.execute([NOTE], lambda s: [note_decide("written elsewhere", s[0].state)], meta(2))
    counter, note = first.execute([COUNTER, NOTE], take_and_note(1, "then this"), meta(3))
    assert note.state == ("written elsewhere", "then this")
    assert (counter.version, note.version) == (3, 2)
    assert [c.version for c in store.read(NOTE)] == [1, 2]


def test_the_receipt_goes_in_the_same_append() -> None:
    store = InMemoryEventStore()
    writer = started(store, 10)

    def receipt(_: tuple[Loaded[Any], ...]) -> Receipt:
        return Receipt("caller\nkey-1", "fingerprint", {"status": 201}, 0)

    writer.execute([COUNTER, NOTE], take_and_note(1, "once"), meta(2), receipt)
    assert store.get_receipt("caller\nkey-1") is not None
    with pytest.raises(DuplicateRequest):
        writer.execute([COUNTER, NOTE], take_and_note(1, "twice"), meta(3), receipt)
    assert aggregates(store).load(NOTE).state == ("once",)


def test_a_stream_no_aggregate_claims_is_refused_before_anything_is_read() -> None:
    store = InMemoryEventStore()
    writer = aggregates(store)
    with pytest.raises(UnknownCategory, match="Order-1"):
        writer.execute(["Order-1"], lambda s: [[Added(n=1)]], meta())
    assert store.appends == 0


def test_every_repository_must_share_the_one_store() -> None:
    store = InMemoryEventStore()
    with pytest.raises(ValueError, match="another event store"):
        Aggregates(store, {"Counter": counter_repository(InMemoryEventStore())})
