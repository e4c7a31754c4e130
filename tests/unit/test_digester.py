"""The digester in memory: it signs the marked streams' heads as the store has them, chains
each digest to the one before, takes a bounded share of the marks per run, and never lets one
unreadable stream stop the others."""

from __future__ import annotations

from eventcore.commits import Commit
from eventcore.digesting import Digester
from eventcore.digests import chain_problem, digest_problem
from eventcore.memory import InMemoryChangeMarks, InMemoryDigestStore, InMemoryEventStore
from tests.contract.store_contract import chain
from tests.signing import KeyPair


class Unreadable(InMemoryEventStore):
    """A store whose item for one stream cannot be decoded."""

    def __init__(self, broken: str) -> None:
        super().__init__()
        self.broken = broken

    def newest_commit(self, stream_id: str) -> Commit | None:
        if stream_id == self.broken:
            raise KeyError("events")
        return super().newest_commit(stream_id)


def digester(store: InMemoryEventStore, **options: int) -> tuple[Digester, KeyPair]:
    key = KeyPair()
    made = Digester(
        store=store,
        marks=InMemoryChangeMarks(),
        digests=InMemoryDigestStore(),
        signer=key,
        clock=lambda: "2026-12-02T00:00:00.000000Z",
        **options,
    )
    return made, key


def streams(store: InMemoryEventStore, *names: str, commits: int = 2) -> None:
    for name in names:
        for commit in chain(name, commits):
            store.append([commit])


def test_digests_sign_the_marked_heads_and_chain() -> None:
    store = InMemoryEventStore()
    streams(store, "A", "B", "C")
    made, key = digester(store)
    made.marks.mark(["B", "A"])
    first = made.run()
    assert first is not None
    assert [(h.stream_id, h.version) for h in first.heads] == [("A", 2), ("B", 2)]
    assert digest_problem(first, key.verifier) is None
    assert made.run() is None
    made.marks.mark(["C"])
    second = made.run()
    assert second is not None
    assert chain_problem(list(made.digests.all()), key.verifier) is None
    assert second.previous == first.digest_hash


def test_a_run_takes_a_bounded_share_and_leaves_the_rest_marked() -> None:
    store = InMemoryEventStore()
    streams(store, "A", "B", "C")
    made, _ = digester(store, max_streams=2)
    for name in ("A", "B", "C"):
        made.marks.mark([name])
    first, second = made.run(), made.run()
    assert first is not None
    assert second is not None
    assert [h.stream_id for h in first.heads] == ["A", "B"]
    assert [h.stream_id for h in second.heads] == ["C"]
    assert made.run() is None


def test_an_unreadable_stream_is_left_marked_and_the_others_are_signed() -> None:
    store = Unreadable("B")
    streams(store, "A", "B")
    made, _ = digester(store)
    made.marks.mark(["A", "B"])
    digest = made.run()
    assert digest is not None
    assert [h.stream_id for h in digest.heads] == ["A"]
    assert made.marks.marked(10).streams == {"B"}
