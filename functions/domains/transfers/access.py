"""Who may do what with a transfer: pure rules over a caller and the two accounts' owners.
A transfer a caller may not see is refused as if it did not exist."""

from __future__ import annotations

from application.callers import Caller, Role
from domains.accounts.access import Owner, owns


def may_create(caller: Caller, source: Owner) -> bool:
    """The source's owner, or an operator (the same as moving its money at once)."""
    return caller.has(Role.OPERATOR) or (caller.has(Role.CUSTOMER) and owns(caller, source))


def may_post(caller: Caller, target: Owner) -> bool:
    """The target's owner (the one who is paid), or an operator."""
    return caller.has(Role.OPERATOR) or (caller.has(Role.CUSTOMER) and owns(caller, target))


def may_void(caller: Caller, source: Owner, target: Owner) -> bool:
    """Either side's owner (a payer withdrawing, a payee declining), or an operator."""
    if caller.has(Role.OPERATOR):
        return True
    return caller.has(Role.CUSTOMER) and (owns(caller, source) or owns(caller, target))


def may_see(caller: Caller, source: Owner, target: Owner) -> bool:
    """Either side's owner, operators and auditors."""
    if caller.sees_everything:
        return True
    return caller.has(Role.CUSTOMER) and (owns(caller, source) or owns(caller, target))
