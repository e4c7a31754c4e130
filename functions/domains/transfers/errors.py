"""The transfer rules a command can break, each with a stable code (a conflict unless said
otherwise). The accounts' rules (`insufficient_funds`, `same_account`, ...) apply as well."""

from __future__ import annotations

from eventcore.errors import DomainError, NotFound


class TransferNotFound(NotFound):
    """No such transfer, or one the caller may not see."""


class TransferExists(DomainError):
    code = "already_exists"
    final = True


class TransferNotPending(DomainError):
    """Posted, voided or expired (or past its deadline, about to be expired)."""

    code = "transfer_not_pending"
    final = True  # nothing makes a transfer pending again


class ExceedsPendingAmount(DomainError):
    code = "exceeds_pending_amount"
    final = True  # a transfer's amount never changes


class TransferNotDue(DomainError):
    """An expiry asked for before the deadline (a sweep's clock running ahead)."""

    code = "not_due"
