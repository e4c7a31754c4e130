"""The one contract every `EventStore` implementation passes. Subclass and provide `store`."""

from __future__ import annotations

from typing import Any

import pytest

from eventcore.commits import GENESIS_HASH, Commit, CommitEvents, CommitMeta, Receipt
from eventcore.events import Event, StoredEvent
from eventcore.hashchain import seal
from eventcore.store import ConcurrencyError, DuplicateRequest, EventStore
from tests.counters import Added, Started, registry

META = CommitMeta("cmd-1", "corr-1", "tester", "2026-11-28T10:00:00.000000Z")


def commit(stream: str, version: int, *amounts: int, prev: str = GENESIS_HASH) -> Commit:
    events = [StoredEvent("Added", 1, {"n": a}) for a in amounts or (version,)]
    return seal(stream, version, events, META, prev)


def chain(stream: str, count: int) -> list[Commit]:
    commits, prev = [], GENESIS_HASH
    for version in range(1, count + 1):
        commits.append(commit(stream, version, prev=prev))
        prev = commits[-1].hash
    return commits


def folded(commit: CommitEvents) -> tuple[int, list[Event], str, str]:
    """What a fold reads of a commit."""
    return (commit.version, list(commit.load_events(registry)), commit.hash, commit.recorded_at)


def receipt(key: str, body: str = "body") -> Receipt:
    return Receipt(key, f"fp-{body}", {"status": 201, "body": {"ok": body}}, 1_900_000_000)


class EventStoreContract:
    @pytest.fixture
    def store(self) -> Any:
        raise NotImplementedError

    def test_sequential_appends_read_back_in_order(self, store: EventStore) -> None:
        for c in chain("A", 5):
            store.append([c])
        assert list(store.read("A")) == chain("A", 5)
        assert list(store.read("other")) == []

    def test_reading_after_and_up_to_a_version(self, store: EventStore) -> None:
        for c in chain("A", 6):
            store.append([c])
        assert [c.version for c in store.read("A", after=3)] == [4, 5, 6]
        assert [c.version for c in store.read("A", after=1, to=4)] == [2, 3, 4]
        assert [c.version for c in store.read("A", to=2)] == [1, 2]
        assert list(store.read("A", after=6)) == []
        assert list(store.read("A", after=4, to=4)) == []

    def test_reading_at_most_a_number_of_commits(self, store: EventStore) -> None:
        for c in chain("A", 9):
            store.append([c])
        assert [c.version for c in store.read("A", after=2, limit=3)] == [3, 4, 5]
        assert [c.version for c in store.read("A", limit=20)] == list(range(1, 10))
        assert [c.version for c in store.read("A", after=1, to=5, limit=2)] == [2, 3]
        assert list(store.read("A", limit=0)) == []

    def test_the_newest_commit(self, store: EventStore) -> None:
        assert store.newest_commit("A") is None
        for c in chain("A", 4):
            store.append([c])
        newest = store.newest_commit("A")
        assert newest is not None
        assert newest.version == 4

    def test_a_commit_round_trips_exactly(self, store: EventStore) -> None:
        original = seal(
            "A",
            1,
            [StoredEvent("Started", 2, {"label": 'Zoë 🙂 "q"', "unit": "EUR"})],
            CommitMeta("c", "r", "arn:aws:iam::1:user/x", "2026-11-28T10:00:00.123456Z"),
            GENESIS_HASH,
        )
        store.append([original])
        assert list(store.read("A")) == [original]

    def test_conflicting_appends_exactly_one_wins(self, store: EventStore) -> None:
        store.append([commit("A", 1)])
        winner, loser = commit("A", 2, 10), commit("A", 2, 20)
        store.append([winner])
        with pytest.raises(ConcurrencyError) as caught:
            store.append([loser])
        (conflict,) = caught.value.conflicts
        assert (conflict.stream_id, conflict.version, conflict.winner) == ("A", 2, winner)
        assert list(store.read("A", after=1)) == [winner]

    def test_a_two_stream_append_writes_both(self, store: EventStore) -> None:
        store.append([commit("A", 1), commit("B", 1)])
        assert len(list(store.read("A"))) == len(list(store.read("B"))) == 1

    def test_a_transfer_with_one_conflicting_side_writes_nothing(self, store: EventStore) -> None:
        store.append([commit("A", 1)])
        store.append([commit("B", 1)])
        taken = commit("B", 2, 99)
        store.append([taken])
        with pytest.raises(ConcurrencyError) as caught:
            store.append([commit("A", 2, 5), commit("B", 2, 5)])
        assert [(c.stream_id, c.version) for c in caught.value.conflicts] == [("B", 2)]
        assert caught.value.conflicts[0].winner == taken
        assert [c.version for c in store.read("A")] == [1]
        assert list(store.read("B", after=1)) == [taken]

    def test_paging_past_one_page(self, store: EventStore) -> None:
        for c in chain("A", 25):
            store.append([c])
        assert [c.version for c in store.read("A")] == list(range(1, 26))
        assert [c.version for c in store.read("A", after=10, to=20)] == list(range(11, 21))

    @pytest.mark.parametrize(
        ("after", "to"), [(0, None), (3, None), (10, 20), (0, 2), (25, None), (4, 4)]
    )
    def test_read_events_is_read_reduced_to_what_a_fold_needs(
        self, store: EventStore, after: int, to: int | None
    ) -> None:
        multi = commit("B", 1, 7, 8, 9)
        store.append([multi])
        # An old shape (upcast on load) between events of the current one.
        mixed = seal(
            "C",
            1,
            [
                StoredEvent("Added", 1, {"n": 1}),
                StoredEvent("Started", 1, {"label": "Ada"}),
                StoredEvent("Added", 1, {"n": 2}),
            ],
            META,
            GENESIS_HASH,
        )
        store.append([mixed])
        for c in chain("A", 25):
            store.append([c])
        expected = [folded(c) for c in store.read("A", after=after, to=to)]
        assert [folded(c) for c in store.read_events("A", after=after, to=to)] == expected
        assert [version for version, *_ in expected] == list(range(after + 1, (to or 25) + 1))
        assert [folded(c) for c in store.read_events("B")] == [
            (1, [Added(n=a) for a in (7, 8, 9)], multi.hash, multi.meta.recorded_at)
        ]
        (multi_read,) = store.read_events("B")
        assert list(multi_read.load_events(registry, 2)) == [Added(n=a) for a in (7, 8)]
        opened = Started(label="Ada", unit="items")
        assert [folded(c) for c in store.read_events("C")] == [
            (1, [Added(n=1), opened, Added(n=2)], mixed.hash, META.recorded_at)
        ]

    def test_multi_event_commits_and_commit_containing(self, store: EventStore) -> None:
        first = commit("A", 1, 1, 2, 3)
        second = commit("A", 4, 4, 5, prev=first.hash)
        store.append([first])
        store.append([second])
        assert first.last_version == 3
        assert store.commit_containing("A", 2) == first
        assert store.commit_containing("A", 4) == second
        assert store.commit_containing("A", 5) == second
        assert store.commit_containing("A", 6) is None
        assert store.commit_containing("A", 0) is None
        assert store.commit_containing("B", 1) is None
        with pytest.raises(ConcurrencyError):
            store.append([commit("A", 4, 9, prev=first.hash)])

    def test_a_receipt_is_written_with_the_events(self, store: EventStore) -> None:
        store.append([commit("A", 1)], receipt("k1"))
        assert store.get_receipt("k1") == receipt("k1")
        assert store.get_receipt("k2") is None

    def test_a_reused_receipt_key_writes_nothing_and_returns_the_first(
        self, store: EventStore
    ) -> None:
        store.append([commit("A", 1)], receipt("k1"))
        with pytest.raises(DuplicateRequest) as caught:
            store.append([commit("A", 2)], receipt("k1", "other"))
        assert caught.value.receipt == receipt("k1")
        assert [c.version for c in store.read("A")] == [1]

    def test_a_duplicate_beats_a_conflict(self, store: EventStore) -> None:
        store.append([commit("A", 1)], receipt("k1"))
        with pytest.raises(DuplicateRequest):
            store.append([commit("A", 1)], receipt("k1"))

    def test_a_conflict_keeps_the_receipt_free(self, store: EventStore) -> None:
        store.append([commit("A", 1)])
        with pytest.raises(ConcurrencyError):
            store.append([commit("A", 1, 7)], receipt("k1"))
        assert store.get_receipt("k1") is None
        store.append([commit("A", 2)], receipt("k1"))
        assert store.get_receipt("k1") == receipt("k1")

    def test_stream_ids(self, store: EventStore) -> None:
        for stream in ("A", "B", "C"):
            for c in chain(stream, 2):
                store.append([c])
        assert sorted(store.stream_ids()) == ["A", "B", "C"]

    def test_stream_ids_names_each_stream_once_however_many_commits(
        self, store: EventStore
    ) -> None:
        for c in chain("A", 9):
            store.append([c])
        assert list(store.stream_ids()) == ["A"]
