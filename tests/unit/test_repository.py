"""The repository over in-memory stores: loading, caching, conflicts, time travel (on the neutral
counters fixture)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapters.commit_item import to_item
from adapters.event_store_dynamodb import DynamoDBEventStore
from bench.replay import QueryPages
from eventcore.cache import StateCache
from eventcore.commits import GENESIS_HASH, CommitMeta
from eventcore.errors import DomainError, IntegrityError
from eventcore.events import StoredEvent
from eventcore.hashchain import seal, verify
from eventcore.memory import InMemoryEventStore, InMemorySnapshotStore
from eventcore.repository import Repository
from eventcore.store import ConcurrencyError
from tests.counters import (
    Add,
    Added,
    Counter,
    Move,
    Start,
    Stop,
    Take,
    counter_repository,
    decide_move,
    stream_id,
)

A, B = stream_id("a"), stream_id("b")


def meta(n: int = 0, actor: str = "tester") -> CommitMeta:
    return CommitMeta(f"cmd-{n}", f"corr-{n}", actor, f"2026-11-28T10:00:{n:02d}.000000Z")


def fresh(store: InMemoryEventStore, snapshots: InMemorySnapshotStore | None = None):
    return counter_repository(store, snapshots, StateCache())


def counted_reads(store: InMemoryEventStore) -> list[tuple[object, ...]]:
    """The stream reads `store` serves from now on, as they happen."""
    reads: list[tuple[object, ...]] = []
    original = store.read_events

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(args)
        return original(*args, **kwargs)

    store.read_events = counted  # type: ignore[method-assign]
    return reads


def opened(repo: Repository[Any, Counter, Any], stream: str = A, total: int = 0) -> None:
    repo.handle(stream, Start("Ada", "EUR"), meta(0))
    if total:
        repo.handle(stream, Add(total), meta(1))


def test_handle_appends_and_returns_the_new_state():
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo)
    after = repo.handle(A, Add(250), meta(2))
    assert (after.state.total, after.version) == (250, 2)
    assert repo.load(A) == after
    assert counter_repository(store).load(A) == after  # a cold load agrees with the cache


def test_commits_carry_metadata_and_a_verifiable_chain():
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo, total=5)
    commits = list(store.read(A))
    assert [c.meta.command_id for c in commits] == ["cmd-0", "cmd-1"]
    assert commits[1].meta.actor == "tester"
    assert verify(A, commits).ok


def test_recorded_times_never_go_backwards_within_a_stream():
    store = InMemoryEventStore()
    repo = fresh(store)
    repo.handle(A, Start("Ada", "EUR"), meta(30))
    repo.handle(A, Add(1), meta(10))  # a writer with a slow clock
    times = [c.meta.recorded_at for c in store.read(A)]
    assert times == sorted(times)


def test_a_rule_violation_writes_nothing():
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo)
    with pytest.raises(DomainError):
        repo.handle(A, Take(1), meta(2))
    assert store.appends == 1


def test_a_stale_cache_is_caught_by_the_condition_and_refreshed():
    store = InMemoryEventStore()
    first, second = fresh(store), fresh(store)
    opened(first, total=100)
    second.load(A)  # second's cache now holds version 2
    first.handle(A, Take(60), meta(3))
    # second decides on a stale total of 100, loses the race, refreshes, and decides again.
    with pytest.raises(DomainError) as caught:
        second.handle(A, Take(60), meta(4))
    assert caught.value.code == "not_enough"
    after = second.handle(A, Take(40), meta(5))
    assert (after.state.total, after.version) == (0, 4)


def test_a_refusal_on_a_stale_cache_is_decided_again_on_fresh_state():
    # Two containers: the first still caches the counter as started (total 0) when the
    # second deposits. A withdrawal decided on that cache would be refused without any write
    # whose condition could catch the staleness.
    store = InMemoryEventStore()
    first, second = fresh(store), fresh(store)
    opened(first)
    second.handle(A, Add(100), meta(1))
    after = first.handle(A, Take(60), meta(2))
    assert (after.state.total, after.version) == (40, 3)


def test_a_move_refused_on_stale_caches_is_decided_again():
    store = InMemoryEventStore()
    first, second = fresh(store), fresh(store)
    opened(first, A)
    opened(first, B)
    second.handle(A, Add(100), meta(1))
    source, target = first.execute(
        [A, B],
        lambda s: decide_move(Move("t", "a", "b", 70), s[0].state, s[1].state),
        meta(2),
    )
    assert (source.state.total, target.state.total) == (30, 70)


def test_a_refusal_that_fresh_state_confirms_costs_one_read_and_writes_nothing():
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo, total=50)
    reads = counted_reads(store)
    appends = store.appends
    with pytest.raises(DomainError) as caught:
        repo.handle(A, Take(60), meta(2))
    assert caught.value.code == "not_enough"
    assert (len(reads), store.appends) == (1, appends)
    with pytest.raises(DomainError):  # not from the cache: refused at once, no second read
        counter_repository(store).handle(A, Take(60), meta(3))
    assert len(reads) == 2


def test_a_final_refusal_is_trusted_on_a_cached_state():
    # A stopped counter never restarts: refusing an addition needs no second look at the table.
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo)
    repo.handle(A, Stop(), meta(1))
    reads = counted_reads(store)
    with pytest.raises(DomainError) as caught:
        repo.handle(A, Add(5), meta(2))
    assert (caught.value.code, reads) == ("stopped", [])


def test_conflicts_beyond_the_attempt_limit_surface():
    class Racing(InMemoryEventStore):
        """Once racing, another writer always takes the slot first."""

        racing = False

        def append(self, commits, receipt=None):  # type: ignore[no-untyped-def]
            for c in commits if self.racing else ():
                super().append([c._replace(meta=c.meta._replace(command_id="rival"))])
            super().append(commits, receipt)

    store = Racing()
    repo = counter_repository(store, max_attempts=3)
    opened(repo)
    store.racing = True
    with pytest.raises(ConcurrencyError):
        repo.handle(A, Add(5), meta(1))
    assert [c.meta.command_id for c in store.read(A, after=1)] == ["rival"] * 3


def test_a_move_appends_both_sides_in_one_append():
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo, A, 100)
    opened(repo, B)
    command = Move("t-1", "a", "b", 30)
    before = store.appends
    source, target = repo.execute(
        [A, B], lambda s: decide_move(command, s[0].state, s[1].state), meta(5)
    )
    assert store.appends == before + 1
    assert (source.state.total, target.state.total) == (70, 30)


def test_snapshots_are_used_and_ignored_when_their_schema_differs():
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = fresh(store, snapshots)
    opened(repo, total=10)
    for n in range(5):
        repo.handle(A, Add(1), meta(n + 2))
    snapshots.save(repo.snapshot_of(repo.load(A)))  # at version 7, total 15
    repo.handle(A, Add(100), meta(9))
    cold = counter_repository(store, snapshots)
    assert cold.load(A).state.total == 115

    # A snapshot that claims a different total proves the snapshot is what was used (on the
    # chain, it is trusted: its content is not yet authenticated)...
    at_seven = snapshots.latest(A)
    assert at_seven is not None
    lying = replace(at_seven, state={**vars_of(15), "total": 1})
    snapshots.save(lying)
    assert cold.load(A).state.total == 101
    # ...and one written under another state schema is ignored.
    # ...and a newer one written under another state schema is ignored: full replay instead.
    snapshots.save(replace(lying, schema_version=99, version=8))
    assert cold.load(A).state.total == 115


def vars_of(total: int) -> dict[str, object]:
    return {"status": "running", "label": "Ada", "unit": "EUR", "total": total}


def test_time_travel_by_version_and_by_time():
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = fresh(store, snapshots)
    opened(repo, total=10)  # versions 1, 2 at :00 and :01
    repo.handle(A, Add(5), meta(20))  # version 3
    snapshots.save(repo.snapshot_of(repo.load(A)))
    repo.handle(A, Add(7), meta(40))  # version 4
    assert repo.load_at(A, version=1).state == Counter("running", "Ada", "EUR", 0)
    assert repo.load_at(A, version=3).state.total == 15
    assert repo.load_at(A, version=4).state.total == 22
    assert repo.load_at(A, version=5) is None
    assert repo.load_at(A, version=0) is None
    assert repo.load_at(A, at="2026-11-28T10:00:30.000000Z").state.total == 15
    assert repo.load_at(A, at="2026-11-28T10:00:01.000000Z").version == 2
    assert repo.load_at(A, at="2026-11-28T09:00:00.000000Z") is None
    assert repo.load_at(B, version=1) is None


def test_folding_stops_at_a_version_inside_a_commit_and_never_goes_past_it():
    store = InMemoryEventStore()
    repo = fresh(store)
    opened(repo)
    for n in (1, 2):  # two commits of two events each: versions 2-3 and 4-5
        repo.execute([A], lambda s: [[Added(n=100), Added(n=10)]], meta(n))
    first, second = list(store.read(A))[1:]
    at_one = repo.load_at(A, version=1)
    assert at_one is not None
    at_two = repo.fold(at_one, [first, second], to_version=2)
    assert (at_two.version, at_two.state.total) == (2, 100)
    at_three = repo.load_at(A, version=3)
    assert at_three is not None
    # A start already past `to_version` folds nothing more.
    assert repo.fold(at_three, [second], to_version=2) == at_three


def test_events_after_the_version_asked_for_are_not_loaded():
    # A commit whose last event this code cannot read (a newer schema): the state before it
    # is still there to be read, from the DynamoDB items as from memory.
    events = [
        StoredEvent("Started", 2, {"label": "Ada", "unit": "EUR"}),
        StoredEvent("Added", 1, {"n": 5}),
        StoredEvent("Added", 9, {"n": 5}),
    ]
    commit = seal(A, 1, events, meta(), GENESIS_HASH)
    items = QueryPages([to_item(commit)])
    for store in (InMemoryEventStore(), DynamoDBEventStore(items, "events")):
        if isinstance(store, InMemoryEventStore):
            store.append([commit])
        repo = counter_repository(store)
        at_two = repo.load_at(A, version=2)
        assert at_two is not None
        assert (at_two.version, at_two.state.total) == (2, 5)
        with pytest.raises(IntegrityError, match="newer than this code"):
            repo.load(A)


def test_commits_after_the_time_asked_for_are_not_loaded():
    opening = seal(A, 1, [StoredEvent("Started", 1, {"label": "Ada"})], meta(1), GENESIS_HASH)
    later = seal(A, 2, [StoredEvent("Added", 1, {"n": 5})], meta(2), opening.hash)
    unreadable = to_item(later)
    unreadable["events"] = {"S": "[{not json"}
    repo = counter_repository(DynamoDBEventStore(QueryPages([to_item(opening), unreadable]), "e"))
    at = repo.load_at(A, at=meta(1).recorded_at)
    assert at is not None
    assert (at.version, at.state.status) == (1, "running")
    with pytest.raises(ValueError, match="key must be a string"):
        repo.load(A)


def test_threads_racing_on_one_stream_lose_nothing_and_double_nothing():
    import threading

    store = InMemoryEventStore()
    opened(fresh(store))
    accepted: list[int] = []

    def worker(thread: int) -> None:
        repo = counter_repository(store, cache=StateCache(), max_attempts=50)
        for i in range(100):
            amount = thread * 1000 + i + 1
            repo.handle(A, Add(amount), meta(1))
            accepted.append(amount)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    commits = list(store.read(A))
    assert [c.version for c in commits] == list(range(1, 802))
    assert sorted(c.events[0].data["n"] for c in commits[1:]) == sorted(accepted)
    assert counter_repository(store).load(A).state.total == sum(accepted)


@pytest.mark.parametrize(
    "forgery",
    [
        {"last_hash": "f" * 64},  # not the hash of the commit it claims to end at
        {"version": 6},  # a version the commit does not end at
        {"commit_version": 6},  # a commit that does not end at its version
        {"commit_version": 0},  # written before snapshots recorded their commit: unchecked
    ],
)
def test_a_snapshot_off_the_chain_is_ignored_and_reported(forgery):
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = fresh(store, snapshots)
    opened(repo, total=10)
    for n in range(5):
        repo.handle(A, Add(1), meta(n + 2))
    honest = repo.snapshot_of(repo.load(A))
    assert (honest.version, honest.commit_version) == (7, 7)
    snapshots.save(replace(honest, **forgery, state={**vars_of(15), "total": 10**15}))
    rejected: list[object] = []
    cold = counter_repository(store, snapshots)
    cold.rejected = lambda snap, reason: rejected.append(snap)
    loaded = cold.load(A)
    assert (loaded.version, loaded.state.total) == (7, 15)
    assert cold.load_at(A, version=7).state.total == 15  # type: ignore[union-attr]
    if forgery.get("commit_version") != 0:
        assert len(rejected) == 2


def test_an_honest_snapshot_is_checked_within_the_one_read():
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = fresh(store, snapshots)
    opened(repo, total=10)
    for n in range(5):
        repo.handle(A, Add(1), meta(n + 2))
    snapshots.save(repo.snapshot_of(repo.load(A)))
    repo.handle(A, Add(100), meta(9))
    reads: list[int] = []
    real = store.read_events

    def counted(stream_id, *, after=0, to=None):
        reads.append(after)
        return real(stream_id, after=after, to=to)

    store.read_events = counted  # type: ignore[method-assign]
    cold = counter_repository(store, snapshots)
    cold.rejected = lambda snap, reason: pytest.fail(f"rejected {snap}: {reason}")
    assert cold.load(A).state.total == 115
    assert reads == [6]  # from the commit the snapshot ends at (version 7): one read
