"""Who may see and move an account: its owner (a customer), operators, and auditors (who read).

Pure rules over a caller and an account's owner. An account a caller may not see is refused as
if it did not exist, on reads and writes alike, so that existence does not leak; a role that may
not use a route is refused by the kernel before any of this runs.
"""

from __future__ import annotations

from application.callers import Caller, Role

# An account's owner: its principal, or None for accounts opened before owners were recorded
# (operators and auditors act on those; no customer does).
Owner = str | None


def owns(caller: Caller, owner: Owner) -> bool:
    return owner is not None and owner == caller.principal


def may_see(caller: Caller, owner: Owner) -> bool:
    """Operators and auditors see every account; a customer its own."""
    return caller.sees_everything or (caller.has(Role.CUSTOMER) and owns(caller, owner))


def may_move(caller: Caller, owner: Owner) -> bool:
    """Withdraw, close, or send a transfer: operators on any account, a customer on its own.
    Auditors never move money."""
    return caller.has(Role.OPERATOR) or (caller.has(Role.CUSTOMER) and owns(caller, owner))


def may_credit(caller: Caller) -> bool:
    """Deposits are an operator's (a customer's money comes in by transfer)."""
    return caller.has(Role.OPERATOR)


def may_erase(caller: Caller) -> bool:
    """Erasing a holder's personal data is an operator's decision (a customer asks one)."""
    return caller.has(Role.OPERATOR)


def owner_for(caller: Caller, requested: str | None) -> str | None:
    """The principal a new account belongs to: the caller's own, or for an operator the one it
    names. None when the caller may not open that account."""
    if requested is None or requested == caller.principal:
        return caller.principal if caller.has(Role.CUSTOMER, Role.OPERATOR) else None
    return requested if caller.has(Role.OPERATOR) else None
