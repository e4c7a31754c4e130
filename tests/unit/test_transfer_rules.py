"""Given the events of a transfer and its two accounts, when a command, then the events of all
three streams, or a rule's error code. Events only: no storage, no clock."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from domains.accounts.commands import CloseAccount, Withdraw
from domains.accounts.decider import MAX_BALANCE
from domains.accounts.decider import decide as decide_account
from domains.accounts.decider import evolve as evolve_account
from domains.accounts.events import (
    AccountEvent,
    AccountOpened,
    CreditHeld,
    CreditReleased,
    DebitHeld,
    DebitReleased,
    Deposited,
    TransferReceived,
    TransferSent,
)
from domains.accounts.state import Account
from domains.transfers.commands import (
    CreateTransfer,
    ExpireTransfer,
    PostTransfer,
    TransferCommand,
    VoidTransfer,
)
from domains.transfers.decider import decide, evolve
from domains.transfers.events import (
    TransferCreated,
    TransferEvent,
    TransferExpired,
    TransferPosted,
    TransferVoided,
)
from domains.transfers.state import Transfer
from eventcore.errors import DomainError

T0 = "2026-12-02T08:00:00.000000Z"
BEFORE_DEADLINE = "2026-12-02T08:00:59.999999Z"
DEADLINE = "2026-12-02T08:01:00.000000Z"
ID = "t-1"


def account(*events: AccountEvent) -> Account:
    state = Account()
    for event in events:
        state = evolve_account(state, event)
    return state


def transfer(*events: TransferEvent) -> Transfer:
    state = Transfer()
    for event in events:
        state = evolve(state, event)
    return state


SOURCE = (AccountOpened(owner="Ada", currency="EUR"), Deposited(amount=100))
TARGET = (AccountOpened(owner="Bob", currency="EUR"),)
CREATED = TransferCreated(
    from_account="a",
    to_account="b",
    amount=60,
    currency="EUR",
    pending=True,
    created_at=T0,
    expires_at=DEADLINE,
)
HELD_OUT = DebitHeld(transfer_id=ID, to_account="b", amount=60)
HELD_IN = CreditHeld(transfer_id=ID, from_account="a", amount=60)


def pending(*, source: Sequence[AccountEvent] = SOURCE) -> tuple[Transfer, Account, Account]:
    return transfer(CREATED), account(*source, HELD_OUT), account(*TARGET, HELD_IN)


def run(command: TransferCommand, states: tuple[Transfer, Account, Account]) -> object:
    return decide(command, *states)


def code(command: TransferCommand, states: tuple[Transfer, Account, Account]) -> str:
    with pytest.raises(DomainError) as caught:
        run(command, states)
    return caught.value.code


def create(amount: int = 60, expires_at: str | None = DEADLINE) -> CreateTransfer:
    return CreateTransfer(ID, "a", "b", amount, T0, expires_at)


def test_a_pending_transfer_holds_the_amount_on_both_sides():
    events, out, into = decide(create(), Transfer(), account(*SOURCE), account(*TARGET))
    assert (list(events), list(out), list(into)) == ([CREATED], [HELD_OUT], [HELD_IN])
    source, target = account(*SOURCE, *out), account(*TARGET, *into)
    assert (source.balance, source.available, source.pending_debits) == (100, 40, 60)
    assert (target.balance, target.available, target.pending_credits) == (0, 0, 60)
    assert transfer(*events).status == "pending"


def test_an_immediate_transfer_is_posted_at_once():
    events, out, into = decide(
        create(expires_at=None), Transfer(), account(*SOURCE), account(*TARGET)
    )
    assert [e.type for e in events] == ["TransferCreated", "TransferPosted"]
    assert list(out) == [TransferSent(transfer_id=ID, to_account="b", amount=60)]
    assert list(into) == [TransferReceived(transfer_id=ID, from_account="a", amount=60)]
    assert transfer(*events).status == "posted"


@pytest.mark.parametrize(
    ("command", "source", "target", "expected"),
    [
        (create(amount=101), SOURCE, TARGET, "insufficient_funds"),
        (create(), SOURCE, (AccountOpened(owner="Bob", currency="USD"),), "currency_mismatch"),
        (create(), SOURCE, (), "not_found"),
        (CreateTransfer(ID, "a", "a", 1, T0, DEADLINE), SOURCE, TARGET, "same_account"),
    ],
)
def test_every_rule_of_a_transfer_applies_to_a_pending_one(command, source, target, expected):
    assert code(command, (Transfer(), account(*source), account(*target))) == expected


def test_what_is_held_is_not_available_to_spend_or_to_hold_again():
    _, source, _ = pending()
    assert source.available == 40
    with pytest.raises(DomainError) as refused:
        decide_account(Withdraw(41), source)
    assert refused.value.code == "insufficient_funds"
    assert decide_account(Withdraw(40), source)
    assert code(create(amount=41), (Transfer(), source, account(*TARGET))) == "insufficient_funds"


def test_an_account_with_a_pending_transfer_cannot_close():
    _, _, target = pending()
    with pytest.raises(DomainError) as refused:
        decide_account(CloseAccount(), target)
    assert refused.value.code == "pending_transfers"


def test_posting_part_moves_it_and_releases_the_rest():
    events, out, into = run(PostTransfer(ID, BEFORE_DEADLINE, 25), pending())
    assert list(events) == [TransferPosted(amount=25)]
    assert list(out) == [
        DebitReleased(transfer_id=ID, amount=60),
        TransferSent(transfer_id=ID, to_account="b", amount=25),
    ]
    assert list(into) == [
        CreditReleased(transfer_id=ID, amount=60),
        TransferReceived(transfer_id=ID, from_account="a", amount=25),
    ]
    source = account(*SOURCE, HELD_OUT, *out)
    target = account(*TARGET, HELD_IN, *into)
    assert (source.balance, source.available, source.pending_debits) == (75, 75, 0)
    assert (target.balance, target.pending_credits) == (25, 0)
    assert transfer(CREATED, *events) == Transfer("posted", "a", "b", 60, 25, "EUR", T0, DEADLINE)


def test_posting_without_an_amount_posts_all_of_it():
    events, _, _ = run(PostTransfer(ID, T0), pending())
    assert list(events) == [TransferPosted(amount=60)]


def test_voiding_moves_nothing():
    events, out, into = run(VoidTransfer(ID, T0), pending())
    assert list(events) == [TransferVoided()]
    assert list(out) == [DebitReleased(transfer_id=ID, amount=60)]
    assert list(into) == [CreditReleased(transfer_id=ID, amount=60)]


def test_more_than_is_pending_is_refused():
    assert code(PostTransfer(ID, T0, 61), pending()) == "exceeds_pending_amount"


@pytest.mark.parametrize("ended", [TransferPosted(amount=60), TransferVoided(), TransferExpired()])
@pytest.mark.parametrize(
    "command",
    [PostTransfer(ID, T0), VoidTransfer(ID, T0), ExpireTransfer(ID, DEADLINE)],
)
def test_a_transfer_no_longer_pending_takes_no_more(ended, command):
    _, source, target = pending()
    assert code(command, (transfer(CREATED, ended), source, target)) == "transfer_not_pending"


@pytest.mark.parametrize("command", [PostTransfer(ID, DEADLINE), VoidTransfer(ID, DEADLINE)])
def test_at_its_deadline_a_transfer_can_no_longer_be_posted_or_voided(command):
    assert code(command, pending()) == "transfer_not_pending"


def test_it_expires_at_its_deadline_and_not_before():
    assert code(ExpireTransfer(ID, BEFORE_DEADLINE), pending()) == "not_due"
    events, out, into = run(ExpireTransfer(ID, DEADLINE), pending())
    assert list(events) == [TransferExpired()]
    assert list(out) == [DebitReleased(transfer_id=ID, amount=60)]
    assert list(into) == [CreditReleased(transfer_id=ID, amount=60)]
    assert transfer(CREATED, *events).status == "expired"


def test_an_unknown_transfer_is_not_found():
    _, source, target = pending()
    assert code(PostTransfer(ID, T0), (Transfer(), source, target)) == "not_found"


def test_credits_held_count_against_the_target_s_limit():
    # At the limit but for what is already held for it: posting that hold would reach it.
    target = Account("open", "Bob", "EUR", MAX_BALANCE - 60, None, 0, 60)
    assert (
        code(create(amount=1), (Transfer(), account(*SOURCE), target)) == "balance_limit_exceeded"
    )
    assert run(create(amount=1), (Transfer(), account(*SOURCE), target._replace(balance=0)))
