"""Property: full replay, snapshot + tail, and the warm cache always agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.commands import CloseAccount, Deposit, OpenAccount, Transfer, Withdraw
from accounts.decider import decide_transfer, stream_id
from accounts.repository import account_repository
from eventcore.cache import StateCache
from eventcore.commits import CommitMeta
from eventcore.errors import DomainError
from eventcore.memory import InMemoryEventStore, InMemorySnapshotStore

ACCOUNTS = ["a", "b", "c"]

operation = st.tuples(
    st.sampled_from(["open", "deposit", "withdraw", "close", "transfer"]),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(ACCOUNTS),
    st.integers(min_value=1, max_value=500),
    st.booleans(),  # take a snapshot afterwards
)


@settings(max_examples=150, deadline=None)
@given(st.lists(operation, max_size=60), st.sampled_from(["EUR", "USD"]))
def test_replay_snapshot_and_cache_agree(operations, other_currency):
    store, snapshots = InMemoryEventStore(), InMemorySnapshotStore()
    repo = account_repository(store, snapshots, StateCache())
    taken = []
    for n, (kind, account, other, amount, snap) in enumerate(operations):
        meta = CommitMeta(f"c{n}", f"r{n}", "prop", f"2026-11-28T10:{n // 60:02d}:{n % 60:02d}Z")
        sid = stream_id(account)
        try:
            if kind == "transfer":
                command = Transfer(f"t{n}", account, other, amount)
                repo.execute(
                    [sid, stream_id(other)],
                    lambda s, c=command: decide_transfer(c, s[0].state, s[1].state),
                    meta,
                )
            else:
                currency = "EUR" if account != "c" else other_currency
                command = {
                    "open": OpenAccount(account.upper(), currency),
                    "deposit": Deposit(amount),
                    "withdraw": Withdraw(amount),
                    "close": CloseAccount(),
                }[kind]
                repo.handle(sid, command, meta)
        except DomainError:
            pass
        if snap and (loaded := repo.load(sid)).exists:
            snapshot = repo.snapshot_of(loaded)
            snapshots.save(snapshot)
            taken.append(snapshot)

    for account in ACCOUNTS:
        sid = stream_id(account)
        full = account_repository(store).load(sid)
        assert repo.load(sid) == full  # warm cache
        assert account_repository(store, snapshots).load(sid) == full  # latest snapshot + tail
        assert full.state.balance >= 0
    for snapshot in taken:
        only = InMemorySnapshotStore()
        only.save(snapshot)
        full = account_repository(store).load(snapshot.stream_id)
        assert account_repository(store, only).load(snapshot.stream_id) == full  # any snapshot
        at = account_repository(store).load_at(snapshot.stream_id, version=snapshot.version)
        assert at is not None
        assert repo.snapshot_of(at) == snapshot  # the snapshot is the fold at its version
    money = sum(account_repository(store).load(stream_id(a)).state.balance for a in ACCOUNTS)
    deposits = sum(
        e.data["amount"] if e.type == "Deposited" else -e.data["amount"]
        for s in ACCOUNTS
        for c in store.read(stream_id(s))
        for e in c.events
        if e.type in ("Deposited", "Withdrawn")
    )
    assert money == deposits  # transfers neither create nor destroy money
