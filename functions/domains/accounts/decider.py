"""The account rules: `decide` checks a command against the state, `evolve` applies an event."""

from __future__ import annotations

from collections.abc import Sequence

from domains.accounts.commands import (
    AccountCommand,
    CloseAccount,
    Deposit,
    ErasePersonalData,
    Hold,
    OpenAccount,
    Transfer,
    Withdraw,
)
from domains.accounts.errors import (
    AccountAlreadyOpen,
    AccountClosed,
    AccountNotFound,
    BalanceLimitExceeded,
    BalanceNotZero,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidAmount,
    PendingTransfers,
    SameAccount,
)
from domains.accounts.events import (
    AccountClosed as Closed,
)
from domains.accounts.events import (
    AccountEvent,
    AccountOpened,
    CreditHeld,
    CreditReleased,
    DebitHeld,
    DebitReleased,
    Deposited,
    PersonalDataErased,
    TransferReceived,
    TransferSent,
    Withdrawn,
)
from domains.accounts.state import Account
from eventcore import categories
from eventcore.decider import Decider

# The prefix of every account's stream id: `Account-<account_id>`.
CATEGORY = "Account"
MAX_AMOUNT = 10**12
# Balances stay exactly representable as JSON numbers in every client (below 2**53).
MAX_BALANCE = 10**15


def _check_amount(amount: int) -> None:
    if type(amount) is not int or not 1 <= amount <= MAX_AMOUNT:
        raise InvalidAmount(f"amount must be an integer from 1 to {MAX_AMOUNT} minor units")


def _require_open(account: Account, name: str = "account") -> None:
    if account.status == "unknown":
        raise AccountNotFound(f"{name} does not exist")
    if account.status == "closed":
        raise AccountClosed(f"{name} is closed")


def _check_credit(account: Account, amount: int, name: str = "account") -> None:
    # Credits held count as if posted: posting a hold must never break the limit.
    if account.balance + account.pending_credits + amount > MAX_BALANCE:
        raise BalanceLimitExceeded(f"{name} would exceed the balance limit of {MAX_BALANCE}")


def _check_debit(account: Account, amount: int, name: str = "account") -> None:
    if account.available < amount:
        raise InsufficientFunds(f"{name} available balance {account.available} is below {amount}")


def decide(command: AccountCommand, account: Account) -> Sequence[AccountEvent]:
    match command:
        case OpenAccount(owner=owner, currency=currency, owner_principal=principal):
            if account.status != "unknown":
                raise AccountAlreadyOpen("account already exists")
            return [AccountOpened(owner=owner, currency=currency, owner_principal=principal)]
        case Deposit(amount=amount):
            _check_amount(amount)
            _require_open(account)
            _check_credit(account, amount)
            return [Deposited(amount=amount)]
        case Withdraw(amount=amount):
            _check_amount(amount)
            _require_open(account)
            _check_debit(account, amount)
            return [Withdrawn(amount=amount)]
        case ErasePersonalData(reason=reason):
            if account.status == "unknown":
                raise AccountNotFound("account does not exist")
            # Once is enough: a repeat records nothing (the key is already gone).
            return [] if account.owner is None else [PersonalDataErased(reason=reason)]
        case CloseAccount():
            _require_open(account)
            if account.pending_debits or account.pending_credits:
                raise PendingTransfers("the account has pending transfers: post or void them")
            if account.balance != 0:
                raise BalanceNotZero(f"balance is {account.balance}, not zero")
            return [Closed()]
    raise TypeError(f"unknown command {command!r}")


def _check_both(command: Transfer | Hold, source: Account, target: Account) -> None:
    if command.from_account == command.to_account:
        raise SameAccount("cannot transfer to the same account")
    _check_amount(command.amount)
    _require_open(source, "source account")
    _require_open(target, "target account")
    if source.currency != target.currency:
        raise CurrencyMismatch(f"cannot transfer {source.currency} to a {target.currency} account")
    _check_debit(source, command.amount, "source account")
    _check_credit(target, command.amount, "target account")


def decide_transfer(
    command: Transfer, source: Account, target: Account
) -> tuple[Sequence[AccountEvent], Sequence[AccountEvent]]:
    """Both sides of a transfer, decided together so that they are written together."""
    return _both_sides(command, source, target, TransferSent, TransferReceived)


def decide_hold(
    command: Hold, source: Account, target: Account
) -> tuple[Sequence[AccountEvent], Sequence[AccountEvent]]:
    """Both sides of a pending transfer's reservation: every rule of a transfer applies."""
    return _both_sides(command, source, target, DebitHeld, CreditHeld)


def _both_sides(
    command: Transfer | Hold,
    source: Account,
    target: Account,
    out: type[TransferSent | DebitHeld],
    into: type[TransferReceived | CreditHeld],
) -> tuple[Sequence[AccountEvent], Sequence[AccountEvent]]:
    _check_both(command, source, target)
    transfer_id, amount = command.transfer_id, command.amount
    return (
        [out(transfer_id=transfer_id, to_account=command.to_account, amount=amount)],
        [into(transfer_id=transfer_id, from_account=command.from_account, amount=amount)],
    )


def decide_release(
    transfer_id: str, from_account: str, to_account: str, held: int, posted: int = 0
) -> tuple[Sequence[AccountEvent], Sequence[AccountEvent]]:
    """Both sides of a hold's end: the reservation released, and `posted` of it moved. No rule
    can refuse it: the hold passed them, and an account holding one cannot be closed."""
    source: list[AccountEvent] = [DebitReleased(transfer_id=transfer_id, amount=held)]
    target: list[AccountEvent] = [CreditReleased(transfer_id=transfer_id, amount=held)]
    if posted:
        source.append(TransferSent(transfer_id=transfer_id, to_account=to_account, amount=posted))
        target.append(
            TransferReceived(transfer_id=transfer_id, from_account=from_account, amount=posted)
        )
    return source, target


def evolve(account: Account, event: AccountEvent) -> Account:
    # Replaying a history runs this once per event, so it dispatches on the event's exact type
    # (isinstance on a pydantic model goes through a Python-level `__instancecheck__`) and
    # builds the new state positionally with `tuple.__new__` (what `Account(...)` calls, without
    # its Python-level `__new__`: half the cost, a quarter of `account._replace(...)`'s).
    # The balance cases list every field of `Account`: keep them so.
    status, owner, currency, balance, principal, debits, credits = account
    if type(event) is Deposited or type(event) is TransferReceived:
        return tuple.__new__(
            Account, (status, owner, currency, balance + event.amount, principal, debits, credits)
        )
    if type(event) is Withdrawn or type(event) is TransferSent:
        return tuple.__new__(
            Account, (status, owner, currency, balance - event.amount, principal, debits, credits)
        )
    return _evolve_rarely(account, event)


# How each hold event moves (pending debits, pending credits), per unit of its amount.
_HOLDS = {DebitHeld: (1, 0), DebitReleased: (-1, 0), CreditHeld: (0, 1), CreditReleased: (0, -1)}


def _evolve_rarely(account: Account, event: AccountEvent) -> Account:
    """The events an account sees once, or once per pending transfer."""
    if isinstance(event, DebitHeld | DebitReleased | CreditHeld | CreditReleased):
        debits, credits = _HOLDS[type(event)]
        return account._replace(
            pending_debits=account.pending_debits + debits * event.amount,
            pending_credits=account.pending_credits + credits * event.amount,
        )
    if type(event) is AccountOpened:
        return Account("open", event.owner, event.currency, 0, event.owner_principal)
    if type(event) is Closed:
        return account._replace(status="closed")
    if type(event) is PersonalDataErased:
        return account._replace(owner=None)
    raise TypeError(f"unknown event {event!r}")


decider: Decider[AccountCommand, Account, AccountEvent] = Decider(Account(), evolve, decide)


def stream_id(account_id: str) -> str:
    return categories.stream_id(CATEGORY, account_id)


def account_id_of(stream: str) -> str:
    return categories.entity_id_of(stream)
