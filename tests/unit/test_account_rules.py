"""Given events, when a command, then events or a rule's error code. Events only: no storage."""

from __future__ import annotations

import pytest

from domains.accounts.commands import CloseAccount, Deposit, OpenAccount, Transfer, Withdraw
from domains.accounts.decider import MAX_AMOUNT, MAX_BALANCE, decide, decide_transfer, evolve
from domains.accounts.events import (
    AccountClosed,
    AccountEvent,
    AccountOpened,
    Deposited,
    TransferReceived,
    TransferSent,
    Withdrawn,
)
from domains.accounts.state import Account
from eventcore.errors import DomainError

OPENED = AccountOpened(owner="Ada", currency="EUR")
OPENED_USD = AccountOpened(owner="Bob", currency="USD")


def given(*events: AccountEvent) -> Account:
    state = Account()
    for event in events:
        state = evolve(state, event)
    return state


def error_code(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


def test_open_account():
    assert decide(OpenAccount("Ada", "EUR"), given()) == [OPENED]


def test_open_twice_is_refused():
    assert error_code(lambda: decide(OpenAccount("Ada", "EUR"), given(OPENED))) == "already_exists"


def test_deposit_and_withdraw_move_the_balance():
    assert decide(Deposit(500), given(OPENED)) == [Deposited(amount=500)]
    assert decide(Withdraw(200), given(OPENED, Deposited(amount=500))) == [Withdrawn(amount=200)]
    assert given(OPENED, Deposited(amount=500), Withdrawn(amount=200)).balance == 300


def test_withdraw_whole_balance_is_allowed():
    assert decide(Withdraw(500), given(OPENED, Deposited(amount=500))) == [Withdrawn(amount=500)]


@pytest.mark.parametrize(
    ("history", "command", "code"),
    [
        ((OPENED,), Withdraw(1), "insufficient_funds"),
        ((OPENED, Deposited(amount=10)), Withdraw(11), "insufficient_funds"),
        ((), Deposit(1), "not_found"),
        ((), Withdraw(1), "not_found"),
        ((), CloseAccount(), "not_found"),
        ((OPENED, AccountClosed()), Deposit(1), "account_closed"),
        ((OPENED, AccountClosed()), Withdraw(1), "account_closed"),
        ((OPENED, AccountClosed()), CloseAccount(), "account_closed"),
        ((OPENED, Deposited(amount=1)), CloseAccount(), "balance_not_zero"),
        ((OPENED,), Deposit(0), "invalid_amount"),
        ((OPENED,), Deposit(-5), "invalid_amount"),
        ((OPENED,), Deposit(MAX_AMOUNT + 1), "invalid_amount"),
        ((OPENED,), Withdraw(0), "invalid_amount"),
    ],
)
def test_broken_rules_raise_their_code(history, command, code):
    assert error_code(lambda: decide(command, given(*history))) == code


def test_float_amounts_are_refused():
    assert error_code(lambda: decide(Deposit(1.5), given(OPENED))) == "invalid_amount"  # type: ignore[arg-type]


def test_balance_limit():
    full = given(OPENED, *[Deposited(amount=MAX_AMOUNT)] * (MAX_BALANCE // MAX_AMOUNT))
    assert full.balance == MAX_BALANCE
    assert error_code(lambda: decide(Deposit(1), full)) == "balance_limit_exceeded"


def test_close_at_zero_balance():
    history = (OPENED, Deposited(amount=5), Withdrawn(amount=5))
    assert decide(CloseAccount(), given(*history)) == [AccountClosed()]
    assert given(*history, AccountClosed()).status == "closed"


def transfer(amount: int, source: str = "a", target: str = "b") -> Transfer:
    return Transfer("t-1", source, target, amount)


def test_transfer_moves_money_on_both_sides():
    source, target = given(OPENED, Deposited(amount=100)), given(OPENED)
    sent, received = decide_transfer(transfer(60), source, target)
    assert sent == [TransferSent(transfer_id="t-1", to_account="b", amount=60)]
    assert received == [TransferReceived(transfer_id="t-1", from_account="a", amount=60)]
    assert given(OPENED, Deposited(amount=100), *sent).balance == 40
    assert given(OPENED, *received).balance == 60


@pytest.mark.parametrize(
    ("source", "target", "command", "code"),
    [
        ((OPENED, Deposited(amount=10)), (OPENED,), transfer(11), "insufficient_funds"),
        ((OPENED, Deposited(amount=10)), (OPENED_USD,), transfer(5), "currency_mismatch"),
        ((OPENED, Deposited(amount=10)), (OPENED,), transfer(5, "a", "a"), "same_account"),
        ((OPENED, Deposited(amount=10)), (), transfer(5), "not_found"),
        ((), (OPENED,), transfer(5), "not_found"),
        ((OPENED, Deposited(amount=10)), (OPENED, AccountClosed()), transfer(5), "account_closed"),
        ((OPENED, AccountClosed()), (OPENED,), transfer(5), "account_closed"),
        ((OPENED, Deposited(amount=10)), (OPENED,), transfer(0), "invalid_amount"),
    ],
)
def test_broken_transfer_rules(source, target, command, code):
    assert error_code(lambda: decide_transfer(command, given(*source), given(*target))) == code


def test_events_are_immutable():
    with pytest.raises(ValueError, match="frozen"):
        OPENED.owner = "Eve"  # type: ignore[misc]
