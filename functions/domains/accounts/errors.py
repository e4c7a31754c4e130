"""The account rules a command can break, each with a stable machine-readable code and a kind
(a conflict with the account's state unless said otherwise)."""

from __future__ import annotations

from eventcore.errors import DomainError, ErrorKind, NotFound


class AccountNotFound(NotFound):
    """No such account (or none yet, at the version or time asked for)."""


class AccountAlreadyOpen(DomainError):
    code = "already_exists"
    final = True  # an account once opened stays opened


class AccountClosed(DomainError):
    code = "account_closed"
    final = True  # a closed account never reopens


class InsufficientFunds(DomainError):
    code = "insufficient_funds"


class BalanceNotZero(DomainError):
    code = "balance_not_zero"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"
    final = True  # an account's currency never changes


class SameAccount(DomainError):
    code = "same_account"
    final = True  # it depends on the command alone


class InvalidAmount(DomainError):
    code = "invalid_amount"
    kind = ErrorKind.INVALID
    final = True  # it depends on the command alone


class BalanceLimitExceeded(DomainError):
    code = "balance_limit_exceeded"


class PendingTransfers(DomainError):
    code = "pending_transfers"
