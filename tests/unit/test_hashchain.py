from __future__ import annotations

from eventcore.commits import GENESIS_HASH, CommitMeta
from eventcore.events import StoredEvent
from eventcore.hashchain import seal, verify
from eventcore.memory import InMemoryEventStore

META = CommitMeta("cmd", "corr", "tester", "2026-11-28T10:00:00.000000Z")


def build_stream(store: InMemoryEventStore, stream: str, amounts: list[int]) -> None:
    prev = GENESIS_HASH
    for version, amount in enumerate(amounts, start=1):
        commit = seal(stream, version, [StoredEvent("Added", 1, {"n": amount})], META, prev)
        store.append([commit])
        prev = commit.hash


def test_an_untouched_stream_verifies():
    store = InMemoryEventStore()
    build_stream(store, "s", [1, 2, 3, 4])
    report = verify("s", store.read("s"))
    assert report.ok
    assert (report.commits, report.last_version) == (4, 4)


def test_an_edited_amount_is_detected_at_that_commit():
    store = InMemoryEventStore()
    build_stream(store, "s", [1, 2, 3, 4])
    original = next(store.read("s", after=2, to=3))
    store.replace_commit(original._replace(events=(StoredEvent("Added", 1, {"n": 300}),)))
    report = verify("s", store.read("s"))
    assert not report.ok
    assert report.broken_at == 3
    assert "edited" in (report.reason or "")


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link():
    store = InMemoryEventStore()
    build_stream(store, "s", [1, 2, 3, 4])
    original = next(store.read("s", after=1, to=2))
    forged = seal("s", 2, [StoredEvent("Added", 1, {"n": 999})], META, original.prev_hash)
    store.replace_commit(forged)
    report = verify("s", store.read("s"))
    assert report.broken_at == 3
    assert "link" in (report.reason or "")


def test_a_deleted_commit_is_detected():
    store = InMemoryEventStore()
    build_stream(store, "s", [1, 2, 3, 4])
    store.delete_commit("s", 2)
    report = verify("s", store.read("s"))
    assert report.broken_at == 3
    assert "missing" in (report.reason or "")


def test_a_deleted_first_commit_is_detected():
    store = InMemoryEventStore()
    build_stream(store, "s", [1, 2])
    store.delete_commit("s", 1)
    assert verify("s", store.read("s")).broken_at == 2


def test_changed_metadata_is_detected():
    store = InMemoryEventStore()
    build_stream(store, "s", [1, 2])
    original = next(store.read("s", to=1))
    store.replace_commit(original._replace(meta=META._replace(actor="mallory")))
    assert verify("s", store.read("s")).broken_at == 1
