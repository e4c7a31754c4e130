"""Property: full replay, snapshot + tail, and the warm cache always agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from eventcore.cache import StateCache
from eventcore.commits import CommitMeta
from eventcore.errors import DomainError
from eventcore.memory import InMemoryEventStore, InMemorySnapshotStore
from tests.counters import (
    Add,
    Move,
    Start,
    Stop,
    Take,
    counter_repository,
    decide_move,
    stream_id,
)

COUNTERS = ["a", "b", "c"]

operation = st.tuples(
    st.sampled_from(["start", "add", "take", "stop", "move"]),
    st.sampled_from(COUNTERS),
    st.sampled_from(COUNTERS),
    st.integers(min_value=1, max_value=500),
    st.booleans(),  # take a snapshot afterwards
)


@settings(max_examples=150, deadline=None)
@given(st.lists(operation, max_size=60))
def test_replay_snapshot_and_cache_agree(operations):
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = counter_repository(store, snapshots, StateCache())
    taken = []
    for n, (kind, counter, other, amount, snap) in enumerate(operations):
        meta = CommitMeta(f"c{n}", f"r{n}", "prop", f"2026-11-28T10:{n // 60:02d}:{n % 60:02d}Z")
        sid = stream_id(counter)
        try:
            if kind == "move":
                command = Move(f"t{n}", counter, other, amount)
                repo.execute(
                    [sid, stream_id(other)],
                    lambda s, c=command: decide_move(c, s[0].state, s[1].state),
                    meta,
                )
            else:
                command = {
                    "start": Start(counter.upper()),
                    "add": Add(amount),
                    "take": Take(amount),
                    "stop": Stop(),
                }[kind]
                repo.handle(sid, command, meta)
        except DomainError:
            pass
        if snap and (loaded := repo.load(sid)).exists:
            snapshot = repo.snapshot_of(loaded)
            snapshots.save(snapshot)
            taken.append(snapshot)

    for counter in COUNTERS:
        sid = stream_id(counter)
        full = counter_repository(store).load(sid)
        assert repo.load(sid) == full  # warm cache
        assert counter_repository(store, snapshots).load(sid) == full  # latest snapshot + tail
        assert full.state.total >= 0
    for snapshot in taken:
        only = InMemorySnapshotStore()
        only.save(snapshot)
        full = counter_repository(store).load(snapshot.stream_id)
        assert counter_repository(store, only).load(snapshot.stream_id) == full  # any snapshot
        at = counter_repository(store).load_at(snapshot.stream_id, version=snapshot.version)
        assert at is not None
        assert repo.snapshot_of(at) == snapshot  # the snapshot is the fold at its version
    total = sum(counter_repository(store).load(stream_id(a)).state.total for a in COUNTERS)
    deposits = sum(
        e.data["n"] if e.type == "Added" else -e.data["n"]
        for s in COUNTERS
        for c in store.read(stream_id(s))
        for e in c.events
        if e.type in ("Added", "Taken")
    )
    assert total == deposits  # moves neither create nor destroy amounts
