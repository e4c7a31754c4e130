"""`esctl audit`: every account and transfer recomputed from the events alone (no snapshot, no
read model), the money of every transfer followed from one account into the other, and the
read models compared with the result, both ways."""

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
from eventcore.read_models import ViewReader
from hosting.host import Host

Progress = Callable[[int], None]
# (account, counterparty it names, amount) of one account event about a transfer.
Move = tuple[str, str, int]


@dataclass
class _Movements:
    """What the accounts' events say about one transfer id."""

    sent: list[Move] = field(default_factory=list)
    received: list[Move] = field(default_factory=list)
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
        if category == ACCOUNT:
            _fold_account(host, stream, found)
        elif category == TRANSFER:
            _fold_transfer(host, stream, found)
        progress(1)
    _check_transfers(found)
    _check_holds(found)
    _check_read_models(host, found)
    return found


def _fold_transfer(host: Host, stream: str, found: Audit) -> None:
    repository = host.aggregates.repository(stream)
    loaded = repository.fold(repository.empty(stream), host.aggregates.store.read(stream))
    found.versions[stream] = loaded.version
    found.transfers[transfer_id_of(stream)] = cast(Transfer, loaded.state)


def _fold_account(host: Host, stream: str, found: Audit) -> None:
    """Event by event, so that `available` is checked after every one, not only at the end."""
    repository = host.aggregates.repository(stream)
    account_id = account_id_of(stream)
    state, version = cast(Account, repository.decider.initial_state), 0
    evolve = repository.decider.evolve
    negative: int | None = None
    for commit in host.aggregates.store.read(stream):
        for event in commit.load_events(repository.registry):
            state, version = evolve(state, event), version + 1
            if negative is None and state.available < 0:
                negative = version
            _note(account_id, event, found)
    if negative is not None:
        found.problems.append(f"account {account_id}: available below 0 at version {negative}")
    found.versions[stream] = version
    found.accounts[account_id] = state


def _note(account_id: str, event: Any, found: Audit) -> None:
    if isinstance(event, TransferSent):
        found.moves[event.transfer_id].sent.append((account_id, event.to_account, event.amount))
    elif isinstance(event, TransferReceived):
        move = (account_id, event.from_account, event.amount)
        found.moves[event.transfer_id].received.append(move)
    elif isinstance(event, DebitHeld | DebitReleased):
        sign = 1 if isinstance(event, DebitHeld) else -1
        found.moves[event.transfer_id].held_out[account_id] += sign * event.amount
    elif isinstance(event, CreditHeld | CreditReleased):
        sign = 1 if isinstance(event, CreditHeld) else -1
        found.moves[event.transfer_id].held_in[account_id] += sign * event.amount


def _check_transfers(found: Audit) -> None:
    """Every transfer moved what its stream says, out of its source into its target and
    nowhere else, and holds what it says it holds. One from before the Transfer stream (no
    stream: account events only) sent one amount from one account to the other, and named
    each other; it never held anything (holds came with the stream)."""
    for transfer_id, moves in sorted(found.moves.items()):
        transfer = found.transfers.get(transfer_id)
        if transfer is None:
            _check_without_stream(transfer_id, moves, found)
        else:
            _check_with_stream(transfer_id, transfer, moves, found)
    for transfer_id in sorted(found.transfers):
        if transfer_id not in found.moves:
            found.problems.append(f"transfer {transfer_id}: no account event names it")


def _check_without_stream(transfer_id: str, moves: _Movements, found: Audit) -> None:
    paired = (
        len(moves.sent) == len(moves.received) == 1
        and moves.sent[0][0] == moves.received[0][1]  # the sender is who the receiver names
        and moves.sent[0][1] == moves.received[0][0]  # and the other way round
        and moves.sent[0][2] == moves.received[0][2]
    )
    if not paired or moves.held_out or moves.held_in:
        found.problems.append(
            f"transfer {transfer_id} (no transfer stream): out {moves.sent}, in"
            f" {moves.received}, held out {dict(moves.held_out)}, in {dict(moves.held_in)}"
        )


def _check_with_stream(
    transfer_id: str, transfer: Transfer, moves: _Movements, found: Audit
) -> None:
    source, target = transfer.from_account, transfer.to_account
    posted = transfer.posted_amount if transfer.status == "posted" else 0
    held = transfer.amount if transfer.status == "pending" else 0
    expected: dict[str, Any] = {
        "out": [(source, target, posted)] if posted else [],
        "in": [(target, source, posted)] if posted else [],
        "held out": {source: held} if held else {},
        "held in": {target: held} if held else {},
    }
    seen: dict[str, Any] = {
        "out": moves.sent,
        "in": moves.received,
        "held out": _nonzero(moves.held_out),
        "held in": _nonzero(moves.held_in),
    }
    for what, amounts in expected.items():
        if seen[what] != amounts:
            found.problems.append(
                f"transfer {transfer_id} ({transfer.status}): {what} {seen[what]}, but its"
                f" stream says {amounts}"
            )


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


def _check_read_models(host: Host, found: Audit) -> None:
    accounts = {
        account_id: AccountView.of(
            account_id, account, found.versions[f"{ACCOUNT}-{account_id}"]
        ).to_json()
        for account_id, account in found.accounts.items()
    }
    transfers = {
        transfer_id: TransferView(
            transfer_id,
            t.from_account,
            t.to_account,
            t.amount,
            t.posted_amount,
            t.status,
            t.created_at,
            t.expires_at,
            found.versions[f"{TRANSFER}-{transfer_id}"],
        ).to_json()
        for transfer_id, t in found.transfers.items()
    }
    _compare("account", host.platform.views(ACCOUNTS.name), accounts, found)
    _compare("transfer", host.platform.views(TRANSFERS.name), transfers, found)


def _compare(
    what: str, views: ViewReader[Any], expected: dict[str, dict[str, Any]], found: Audit
) -> None:
    """Every view against its stream's fold, and every view against a stream: one with no
    stream behind it (a phantom pending transfer, say) is reported too."""
    shown = _every_view(views)
    for key in sorted(set(shown) - set(expected)):
        found.problems.append(f"{what} {key}: in the read model, but no stream holds it")
    for key, wanted in sorted(expected.items()):
        view = shown.get(key)
        if view == wanted:
            continue
        differing = (
            "missing"
            if view is None
            else ", ".join(
                f"{k} {view.get(k)!r} (events: {v!r})"
                for k, v in wanted.items()
                if view.get(k) != v
            )
        )
        found.problems.append(f"{what} {key}: read model differs: {differing}")


def _every_view(views: ViewReader[Any]) -> dict[str, dict[str, Any]]:
    shown: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        page = views.page(1000, cursor)
        for view in page.views:
            body = view.to_json()
            shown[str(body.get("account_id") or body.get("transfer_id"))] = body
        cursor = page.next_cursor
        if cursor is None:
            return shown


def _nonzero(amounts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in amounts.items() if v}
