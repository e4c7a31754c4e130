"""`esctl audit`: every account and transfer recomputed from the events alone (no snapshot, no
read model), the money of every transfer followed from one account into the other, and the
read models compared with the result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from domains.accounts.decider import CATEGORY as ACCOUNT
from domains.accounts.decider import account_id_of
from domains.accounts.events import (
    CreditHeld,
    CreditReleased,
    DebitHeld,
    DebitReleased,
    TransferReceived,
    TransferSent,
)
from domains.accounts.state import Account
from domains.accounts.views import ACCOUNTS, AccountView
from domains.transfers.decider import CATEGORY as TRANSFER
from domains.transfers.decider import transfer_id_of
from domains.transfers.state import Transfer
from domains.transfers.views import TRANSFERS, TransferView
from eventcore.categories import category_of
from hosting.host import Host

Progress = Callable[[int], None]


@dataclass
class _Movements:
    """What the accounts' events say about one transfer id."""

    sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    received: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held_in: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class Audit:
    accounts: dict[str, Account] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    moves: dict[str, _Movements] = field(default_factory=lambda: defaultdict(_Movements))
    problems: list[str] = field(default_factory=list)


def audit(
    host: Host, streams: Iterable[str] | None = None, progress: Progress = lambda _n: None
) -> Audit:
    """Fold every account and transfer stream (`streams`, by default the table's) from its
    first commit, then check them against each other and against the read models."""
    found = Audit()
    listed = sorted(host.aggregates.store.stream_ids()) if streams is None else streams
    for stream in listed:
        category = category_of(stream)
        if category in (ACCOUNT, TRANSFER):
            _fold(host, stream, category, found)
        progress(1)
    _check_transfers(found)
    _check_holds(found)
    _check_read_models(host, found)
    return found


def _fold(host: Host, stream: str, category: str, found: Audit) -> None:
    repository = host.aggregates.repository(stream)
    commits = list(host.aggregates.store.read(stream))
    loaded = repository.fold(repository.empty(stream), commits)
    found.versions[stream] = loaded.version
    if category == TRANSFER:
        found.transfers[transfer_id_of(stream)] = cast(Transfer, loaded.state)
        return
    account_id = account_id_of(stream)
    found.accounts[account_id] = cast(Account, loaded.state)
    for commit in commits:
        _note(account_id, commit.load_events(repository.registry), found)


def _note(account_id: str, events: Iterable[Any], found: Audit) -> None:
    for event in events:
        if isinstance(event, TransferSent):
            found.moves[event.transfer_id].sent[account_id] += event.amount
        elif isinstance(event, TransferReceived):
            found.moves[event.transfer_id].received[account_id] += event.amount
        elif isinstance(event, DebitHeld | DebitReleased):
            sign = 1 if isinstance(event, DebitHeld) else -1
            found.moves[event.transfer_id].held_out[account_id] += sign * event.amount
        elif isinstance(event, CreditHeld | CreditReleased):
            sign = 1 if isinstance(event, CreditHeld) else -1
            found.moves[event.transfer_id].held_in[account_id] += sign * event.amount


def _check_transfers(found: Audit) -> None:
    """Every transfer moved what its stream says, out of its source and into its target, and
    holds what it says it holds; transfers from before the Transfer stream (immediate ones
    with account events only) moved the same amount out as in."""
    for transfer_id, moves in sorted(found.moves.items()):
        transfer = found.transfers.get(transfer_id)
        if transfer is None:
            if sorted(moves.sent.values()) != sorted(moves.received.values()) or any(
                moves.held_out.values()
            ):
                found.problems.append(
                    f"transfer {transfer_id}: out {dict(moves.sent)}, in"
                    f" {dict(moves.received)} (no transfer stream)"
                )
            continue
        posted = transfer.posted_amount if transfer.status == "posted" else 0
        held = transfer.amount if transfer.status == "pending" else 0
        expected = {
            "out": {transfer.from_account: posted} if posted else {},
            "in": {transfer.to_account: posted} if posted else {},
            "held out": {transfer.from_account: held} if held else {},
            "held in": {transfer.to_account: held} if held else {},
        }
        seen = {
            "out": _nonzero(moves.sent),
            "in": _nonzero(moves.received),
            "held out": _nonzero(moves.held_out),
            "held in": _nonzero(moves.held_in),
        }
        for what, amounts in expected.items():
            if seen[what] != amounts:
                found.problems.append(
                    f"transfer {transfer_id} ({transfer.status}): {what} {seen[what]}, but its"
                    f" stream says {amounts}"
                )
    for transfer_id in sorted(found.transfers):
        if transfer_id not in found.moves:
            found.problems.append(f"transfer {transfer_id}: no account event names it")


def _check_holds(found: Audit) -> None:
    """Each account's pending amounts are the sum of its pending transfers' holds."""
    debits: dict[str, int] = defaultdict(int)
    credits: dict[str, int] = defaultdict(int)
    for transfer in found.transfers.values():
        if transfer.status == "pending":
            debits[transfer.from_account] += transfer.amount
            credits[transfer.to_account] += transfer.amount
    for account_id, account in sorted(found.accounts.items()):
        pending = (account.pending_debits, account.pending_credits)
        if pending != (debits[account_id], credits[account_id]):
            found.problems.append(
                f"account {account_id}: pending {pending}, but its pending transfers hold"
                f" {(debits[account_id], credits[account_id])}"
            )
        if account.available < 0:
            found.problems.append(f"account {account_id}: available {account.available} < 0")


def _check_read_models(host: Host, found: Audit) -> None:
    accounts = host.platform.views(ACCOUNTS.name)
    for account_id, account in sorted(found.accounts.items()):
        version = found.versions[f"{ACCOUNT}-{account_id}"]
        expected = AccountView.of(account_id, account, version).to_json()
        _compare(f"account {account_id}", accounts.get(account_id), expected, found)
    transfers = host.platform.views(TRANSFERS.name)
    for transfer_id, transfer in sorted(found.transfers.items()):
        version = found.versions[f"{TRANSFER}-{transfer_id}"]
        expected = TransferView(
            transfer_id,
            transfer.from_account,
            transfer.to_account,
            transfer.amount,
            transfer.posted_amount,
            transfer.status,
            transfer.created_at,
            transfer.expires_at,
            version,
        ).to_json()
        _compare(f"transfer {transfer_id}", transfers.get(transfer_id), expected, found)


def _compare(what: str, view: Any, expected: dict[str, Any], found: Audit) -> None:
    shown = view.to_json() if view is not None else None
    if shown != expected:
        differing = (
            "missing"
            if shown is None
            else ", ".join(
                f"{k} {shown.get(k)!r} (events: {v!r})"
                for k, v in expected.items()
                if shown.get(k) != v
            )
        )
        found.problems.append(f"{what}: read model differs: {differing}")


def _nonzero(amounts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in amounts.items() if v}
