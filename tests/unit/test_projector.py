"""The projector over in-memory stores: order-proof, exactly-once in effect, poison-proof."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventcore.cache import StateCache
from eventcore.commits import CommitMeta
from eventcore.errors import DomainError
from eventcore.events import Event
from eventcore.memory import InMemoryEventStore, InMemorySnapshotStore, InMemoryViewStore
from eventcore.projector import StreamProjector
from eventcore.snapshotting import SnapshotWriter
from handlers.stream_batch import process
from tests.counters import (
    Add,
    CounterView,
    Move,
    Start,
    Take,
    counter_repository,
    decide_move,
    registry,
    stream_id,
)
from tests.counters import project as project_stream
from tests.streams import record

COUNTERS = ["a", "b", "c", "d"]


def meta(n: int) -> CommitMeta:
    return CommitMeta(f"c{n}", "r", "tester", f"2026-11-28T10:00:00.{n:06d}Z")


def history(store: InMemoryEventStore, operations: list[tuple[str, str, str, int]]) -> None:
    repo = counter_repository(store, cache=StateCache())
    for counter in COUNTERS:
        repo.handle(stream_id(counter), Start(counter, "EUR"), meta(0))
    for n, (kind, counter, other, amount) in enumerate(operations, start=1):
        try:
            if kind == "move":
                command = Move(f"t{n}", counter, other, amount)
                repo.execute(
                    [stream_id(counter), stream_id(other)],
                    lambda s, c=command: decide_move(c, s[0].state, s[1].state),
                    meta(n),
                )
            else:
                cmd = Add(amount) if kind == "add" else Take(amount)
                repo.handle(stream_id(counter), cmd, meta(n))
        except DomainError:
            pass


def build(store: InMemoryEventStore, every: int = 5, projection: Any = project_stream):
    views: InMemoryViewStore[CounterView] = InMemoryViewStore()
    snapshots = InMemorySnapshotStore()
    writer = SnapshotWriter(counter_repository(store, snapshots), snapshots, every)
    projector = StreamProjector(
        views=views, projection=projection, store=store, registry=registry, after_apply=writer
    )
    return projector, views, snapshots


def all_commits(store: InMemoryEventStore):
    return [c for s in sorted(store.stream_ids()) for c in store.read(s)]


def fold_view(store: InMemoryEventStore, stream: str, up_to: int) -> CounterView | None:
    loaded = counter_repository(store).load_at(stream, version=up_to)
    if loaded is None:
        return None
    return CounterView.of(stream.removeprefix("Counter-"), loaded.state, loaded.version)


operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "take", "move"]),
        st.sampled_from(COUNTERS),
        st.sampled_from(COUNTERS),
        st.integers(1, 300),
    ),
    max_size=50,
)


@settings(max_examples=120, deadline=None)
@given(operations, st.randoms(use_true_random=False), st.integers(1, 12))
def test_shuffled_duplicated_dropped_records_still_give_the_fold(ops, rnd, batch_size):
    store = InMemoryEventStore()
    history(store, ops)
    records = [record(c, n) for n, c in enumerate(all_commits(store))]
    delivered = [r for r in records if rnd.random() > 0.2]  # drop some
    delivered += [r for r in delivered if rnd.random() < 0.3]  # duplicate some
    rnd.shuffle(delivered)
    projector, views, snapshots = build(store)
    for start in range(0, len(delivered), batch_size):
        report = process(delivered[start : start + batch_size], projector.project)
        assert report.failures == []

    for counter in COUNTERS:
        stream = stream_id(counter)
        seen = [
            int(r["dynamodb"]["Keys"]["sk"]["N"])
            for r in delivered
            if r["dynamodb"]["Keys"]["pk"]["S"] == stream
        ]
        projected = views.load(stream)
        if not seen:
            continue
        assert projected.version >= max(seen)
        assert projected.view == fold_view(store, stream, projected.version)
        last = max(c.version for c in store.read(stream))
        if last in seen:
            assert projected.version == last
        snapshot = snapshots.latest(stream)
        for version in range(5, projected.version + 1, 5):
            taken = snapshots.at_or_before(stream, version)
            assert taken is not None
            assert taken.version == version
            at = counter_repository(store).load_at(stream, version=version)
            assert taken.state == counter_repository(store).codec.dump(at.state)  # type: ignore[union-attr]
        assert snapshot is None or snapshot.version <= projected.version


def test_one_write_per_stream_per_batch_and_no_reads_when_contiguous():
    store = InMemoryEventStore()
    history(store, [("add", a, a, 1) for a in COUNTERS for _ in range(24)])
    projector, views, _ = build(store, every=1000)
    commits = all_commits(store)
    rnd = random.Random(7)
    early = [record(c, n) for n, c in enumerate(commits) if c.version <= 10]
    late = [record(c, n) for n, c in enumerate(commits) if c.version > 10]
    rnd.shuffle(early)  # arrival order within a batch does not matter
    rnd.shuffle(late)
    process(early, projector.project)

    reads: list[str] = []
    original_read, original_load = store.read, views.load
    store.read = lambda s, **kw: reads.append(s) or original_read(s, **kw)  # type: ignore[method-assign]
    views.load = lambda s: reads.append(s) or original_load(s)  # type: ignore[method-assign]
    writes_before = views.writes
    report = process(late, projector.project)
    assert report.failures == []
    assert views.writes - writes_before == len(COUNTERS)  # 60 records, 4 streams, 4 writes
    assert reads == []
    for counter in COUNTERS:
        assert original_load(stream_id(counter)).view == fold_view(store, stream_id(counter), 25)


def test_a_gap_is_filled_from_the_event_table():
    store = InMemoryEventStore()
    history(store, [("add", "a", "a", 10)] * 4)
    projector, views, _ = build(store)
    commits = list(store.read(stream_id("a")))
    process([record(commits[0], 0)], projector.project)
    result = process([record(commits[3], 3)], projector.project).results[stream_id("a")]
    assert result.caught_up
    assert views.load(stream_id("a")).view == fold_view(store, stream_id("a"), 5)


def test_two_projectors_racing_never_double_apply():
    store = InMemoryEventStore()
    history(store, [("add", "a", "a", 10)] * 6)
    views: InMemoryViewStore[CounterView] = InMemoryViewStore()
    first, second = (
        StreamProjector(views=views, projection=project_stream, store=store, registry=registry)
        for _ in range(2)
    )
    commits = list(store.read(stream_id("a")))
    first.project(stream_id("a"), commits[:3])  # first's cache: version 3
    second.project(stream_id("a"), commits[:5])  # second moves the view to 5 behind its back
    result = first.project(stream_id("a"), commits[3:7])  # stale cache: condition fails, reload
    assert views.load(stream_id("a")).view == fold_view(store, stream_id("a"), 7)
    assert result.applied == 2
    second.project(stream_id("a"), commits[2:4])  # old records: skipped, never backwards
    assert views.load(stream_id("a")).version == 7


def test_a_poison_stream_is_parked_the_others_go_on_and_replay_heals_it():
    store = InMemoryEventStore()
    history(store, [("add", a, a, 5) for a in COUNTERS for _ in range(3)])
    fixed = False

    def buggy(view: CounterView | None, stream: str, event: Event) -> CounterView:
        if stream == stream_id("b") and getattr(event, "n", 0) == 5 and not fixed:
            raise ValueError("cannot handle this addition")
        return project_stream(view, stream, event)

    projector, views, _ = build(store, projection=buggy)
    commits = all_commits(store)
    report = process([record(c, n) for n, c in enumerate(commits)], projector.project)
    assert report.failures == []
    assert report.results[stream_id("b")].parked_at == 2
    parked = views.load(stream_id("b"))
    assert parked.parked is not None
    assert "cannot handle" in parked.parked
    for counter in ("a", "c", "d"):
        assert views.load(stream_id(counter)).version == 4
    # Later commits of the parked stream are skipped, not applied out of order.
    history_more = counter_repository(store)
    history_more.handle(stream_id("b"), Add(7), meta(99))
    late = list(store.read(stream_id("b"), after=4))
    assert process([record(late[0], 999)], projector.project).results[stream_id("b")].skipped == 1
    assert views.load(stream_id("b")).version == 1  # progress up to the poison is kept

    fixed = True
    views.unpark(stream_id("b"))
    projector.replay(stream_id("b"))
    assert views.load(stream_id("b")).view == fold_view(store, stream_id("b"), 5)


def test_transient_failures_are_reported_by_lowest_sequence_number_and_isolated():
    store = InMemoryEventStore()
    history(store, [("add", a, a, 5) for a in ("a", "b") for _ in range(2)])
    projector, views, _ = build(store)

    def flaky(stream: str, commits: Any) -> Any:
        if stream == stream_id("a"):
            raise TimeoutError("read timed out")
        return projector.project(stream, commits)

    commits = all_commits(store)
    records = [record(c, n) for n, c in enumerate(commits)]
    report = process(records, flaky)
    a_sequences = [
        r["dynamodb"]["SequenceNumber"]
        for r in records
        if r["dynamodb"]["Keys"]["pk"]["S"] == stream_id("a")
    ]
    assert report.response() == {
        "batchItemFailures": [{"itemIdentifier": min(a_sequences, key=int)}]
    }
    assert views.load(stream_id("b")).version == 3
    # Redelivery from that point: b's records come again and are skipped; a catches up.
    redelivered = process(records, projector.project)
    assert redelivered.failures == []
    assert redelivered.results[stream_id("b")].skipped == 3
    assert views.load(stream_id("a")).version == 3


@pytest.mark.parametrize("every", [1, 2, 3])
def test_snapshots_land_on_every_multiple(every):
    store = InMemoryEventStore()
    history(store, [("add", "a", "a", 1)] * 7)
    projector, _, snapshots = build(store, every=every)
    commits = list(store.read(stream_id("a")))
    for n, commit in enumerate(commits):
        process([record(commit, n)], projector.project)
    for version in range(every, 9, every):
        snapshot = snapshots.at_or_before(stream_id("a"), version)
        assert snapshot is not None
        assert snapshot.version == version
        assert snapshot.state["total"] == max(0, version - 1)
