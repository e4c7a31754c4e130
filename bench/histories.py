"""Account histories for the benchmarks, sealed by the core exactly as commands would seal them.

One event per commit, as every deposit or withdrawal through the API is stored: an
`AccountOpened` first, then deposits with every tenth event a withdrawal. Amounts come from a
seeded generator, so runs are repeatable and no two events need to look alike.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from domains.accounts.events import AccountOpened, AccountOpenedV1, Deposited, Withdrawn, registry
from eventcore.commits import GENESIS_HASH, Commit, CommitMeta, format_time
from eventcore.events import Event
from eventcore.hashchain import seal
from eventcore.memory import InMemorySubjectKeys
from eventcore.personal import PersonalData

START = datetime(2026, 1, 1, tzinfo=UTC)
SEALED_OWNER = PersonalData(InMemorySubjectKeys).seal("bench-account", "owner", "Ada Lovelace")


def account_events(size: int, *, opened_version: int = 2, seed: int = 7) -> Iterator[Event]:
    """`size` events of one account: opened (v1, which needs upcasting, or v2), then money moves."""
    rng = random.Random(seed)
    if opened_version == 1:
        yield AccountOpenedV1(owner="Ada Lovelace")
    else:
        # The name as the ledger stores it: sealed (a token of this length), never in clear.
        yield AccountOpened(owner=SEALED_OWNER, currency="EUR")
    balance = 0
    for version in range(2, size + 1):
        if version % 10 == 0 and balance > 0:
            amount = rng.randint(1, min(balance, 5_000))
            balance -= amount
            yield Withdrawn(amount=amount)
        else:
            amount = rng.randint(1, 10_000)
            balance += amount
            yield Deposited(amount=amount)


def account_commits(
    stream_id: str, size: int, *, opened_version: int = 2, seed: int = 7
) -> Iterator[Commit]:
    """The commits of `account_events`, one event each, hash-chained like real ones."""
    prev_hash = GENESIS_HASH
    events = account_events(size, opened_version=opened_version, seed=seed)
    for version, event in enumerate(events, start=1):
        at = format_time(START + timedelta(seconds=version))
        meta = CommitMeta(f"bench-{version}", f"corr-{version}", "bench", at)
        commit = seal(stream_id, version, [registry.to_stored(event)], meta, prev_hash)
        prev_hash = commit.hash
        yield commit
