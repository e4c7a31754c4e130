"""The projector under faults: phantom records, crashes mid-batch, throttled writes."""

from __future__ import annotations

from typing import Any

import pytest

from eventcore.commits import CommitMeta
from eventcore.events import StoredEvent
from eventcore.hashchain import seal
from eventcore.memory import InMemoryEventStore
from eventcore.store import StoreUnavailable
from handlers.stream_batch import process
from tests.counters import Add, counter_repository, stream_id
from tests.streams import record
from tests.unit.test_projector import COUNTERS, all_commits, build, fold_view, history

A = stream_id("a")


def phantom_of(store: InMemoryEventStore, version: int, amount: int = 999) -> Any:
    """A commit that was written in a transaction that then failed: it has a stream record
    (as moto can emit) but the table never kept it; another commit holds its version."""
    previous = next(store.read(A, after=version - 2, to=version - 1))
    meta = CommitMeta("lost", "lost", "tester", previous.meta.recorded_at)
    return seal(A, version, [StoredEvent("Added", 1, {"n": amount})], meta, previous.hash)


def projected_with_a_phantom_at_4() -> tuple[InMemoryEventStore, Any, Any, list[Any]]:
    """Versions 1..3 of A projected, then the record of a version 4 the table never kept."""
    store = InMemoryEventStore()
    history(store, [("add", "a", "a", 10)] * 3)  # A: versions 1..4
    projector, views, _ = build(store)
    commits = list(store.read(A))
    process([record(c, n) for n, c in enumerate(commits[:3])], projector.project)
    process([record(phantom_of(store, 4), 10)], projector.project)
    return store, projector, views, commits


def test_a_phantom_then_the_real_commit_at_its_version_refolds_from_the_table():
    store, projector, views, commits = projected_with_a_phantom_at_4()
    assert views.load(A).view.total == 20 + 999  # type: ignore[union-attr]
    result = process([record(commits[3], 11)], projector.project).results[A]
    assert result.refolded
    assert views.load(A).view == fold_view(store, A, 4)


def test_a_phantom_then_the_next_real_commit_refolds_too():
    store, projector, views, _commits = projected_with_a_phantom_at_4()
    counter_repository(store).handle(A, Add(5), CommitMeta("c", "r", "t", "2026-11-28T11:00:00Z"))
    fifth = next(store.read(A, after=4))
    assert process([record(fifth, 12)], projector.project).results[A].refolded
    assert views.load(A).view == fold_view(store, A, 5)


def test_replay_finds_a_phantom_at_the_head_with_nothing_after_it():
    store, projector, views, _commits = projected_with_a_phantom_at_4()
    assert projector.replay(A).refolded
    assert views.load(A).view == fold_view(store, A, 4)


@pytest.mark.parametrize("damage", ["hash", "events"])
def test_an_unreadable_newest_record_is_read_from_the_table(damage: str):
    store = InMemoryEventStore()
    history(store, [("add", "a", "a", 10)] * 2)  # A: versions 1..3
    projector, views, _ = build(store)
    commits = list(store.read(A))
    broken = record(commits[2], 3)
    del broken["dynamodb"]["NewImage"][damage]

    report = process([record(commits[0], 1), record(commits[1], 2), broken], projector.project)

    assert report.failures == []
    assert report.results[A].caught_up
    assert views.load(A).view == fold_view(store, A, 3)


def test_a_commit_missing_from_the_table_parks_the_stream_instead_of_being_skipped():
    store = InMemoryEventStore()
    history(store, [("add", "a", "a", 10)] * 3)  # A: versions 1..4
    projector, views, _ = build(store)
    del store._streams[A][3]  # damage: the table lost a commit

    result = projector.project(A, [])  # a catch-up read of the table

    assert result.parked_at == 3
    parked = views.load(A)
    assert (parked.version, parked.view) == (2, fold_view(store, A, 2))
    assert "does not follow" in (parked.parked or "")


class ProcessDied(BaseException):
    pass


def test_a_crash_mid_batch_then_redelivery_gives_the_fold():
    store = InMemoryEventStore()
    history(store, [("add", a, a, 3) for a in COUNTERS for _ in range(4)])
    projector, views, _ = build(store)
    records = [record(c, n) for n, c in enumerate(all_commits(store))]
    seen: list[str] = []

    def dies_on_third_stream(stream: str, commits: Any) -> Any:
        seen.append(stream)
        if len(seen) == 3:
            raise ProcessDied  # the Lambda runtime kills the process: nothing is reported
        return projector.project(stream, commits)

    with pytest.raises(ProcessDied):
        process(records, dies_on_third_stream)
    # Lambda delivers the whole batch again to a new container (cold caches).
    fresh, _, _ = build(store)
    fresh.views = views
    assert process(records, fresh.project).failures == []
    for counter in COUNTERS:
        assert views.load(stream_id(counter)).view == fold_view(store, stream_id(counter), 5)


def test_throttled_view_writes_are_retried_by_redelivery_and_nothing_is_half_written():
    store = InMemoryEventStore()
    history(store, [("add", a, a, 3) for a in ("a", "b") for _ in range(3)])
    projector, views, _ = build(store)
    records = [record(c, n) for n, c in enumerate(all_commits(store))]
    real_save = views.save
    throttled = {"remaining": 1}

    def save(stream: str, projected: Any, expected: int) -> None:
        if stream == A and throttled["remaining"]:
            throttled["remaining"] -= 1
            raise StoreUnavailable("ProvisionedThroughputExceededException")
        real_save(stream, projected, expected)

    views.save = save  # type: ignore[method-assign]
    first = process(records, projector.project)
    assert len(first.failures) == 1
    assert views.load(A).version == 0  # nothing of A written
    assert views.load(stream_id("b")).version == 4
    failed_at = int(first.failures[0])
    redelivered = [r for r in records if int(r["dynamodb"]["SequenceNumber"]) >= failed_at]
    assert process(redelivered, projector.project).failures == []
    for counter in ("a", "b"):
        assert views.load(stream_id(counter)).view == fold_view(store, stream_id(counter), 4)
