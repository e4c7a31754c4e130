"""Errors shared by every aggregate and store."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A business rule refused a command. `code` is stable and machine-readable."""

    code: ClassVar[str] = "domain_error"
    # True when no later event could lift the refusal (the account is closed for good, the
    # command refutes itself): the repository then trusts it even on a cached state, instead of
    # reading the stream again to check.
    final: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IntegrityError(Exception):
    """Stored commits do not form a consistent stream (gap, overlap or unknown event)."""


class VersionMismatch(DomainError):
    """The client's expected version (If-Match) is not the stream's current version."""

    code = "version_mismatch"


class IdempotencyKeyReused(DomainError):
    """An idempotency key came back with a different request than the one it was first used for."""

    code = "idempotency_key_reused"
