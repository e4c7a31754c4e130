"""The account rules a command can break, each with a stable machine-readable code."""

from __future__ import annotations

from eventcore.errors import DomainError


class AccountNotFound(DomainError):
    code = "not_found"


class AccountAlreadyOpen(DomainError):
    code = "already_exists"


class AccountClosed(DomainError):
    code = "account_closed"


class InsufficientFunds(DomainError):
    code = "insufficient_funds"


class BalanceNotZero(DomainError):
    code = "balance_not_zero"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class SameAccount(DomainError):
    code = "same_account"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class BalanceLimitExceeded(DomainError):
    code = "balance_limit_exceeded"
