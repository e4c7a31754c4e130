"""Errors shared by every aggregate and store."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    """What kind of refusal an error is, whatever its domain: how a caller should react to it.

    The HTTP kernel answers each kind with one status (404, 409, 422, 412, 503), so a domain
    declares the kind of each of its errors and never deals in status codes.
    """

    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # a rule the current state breaks
    INVALID = "invalid"  # the command refutes itself, whatever the state
    PRECONDITION_FAILED = "precondition_failed"  # the caller's expectation no longer holds
    UNAVAILABLE = "unavailable"  # try again later
    FORBIDDEN = "forbidden"  # the caller may not do this (where it may know the thing exists)


class DomainError(Exception):
    """A business rule refused a command. `code` is stable and machine-readable."""

    code: ClassVar[str] = "domain_error"
    kind: ClassVar[ErrorKind] = ErrorKind.CONFLICT
    # True when no later event could lift the refusal (the account is closed for good, the
    # command refutes itself): the repository then trusts it even on a cached state, instead of
    # reading the stream again to check.
    final: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The stream (or the thing it is) does not exist, or not at the point asked for."""

    code = "not_found"
    kind = ErrorKind.NOT_FOUND


class Forbidden(DomainError):
    """The caller's role may not do this. Where the caller may not even know that the thing
    exists, refuse with `NotFound` instead, so that existence does not leak."""

    code = "forbidden"
    kind = ErrorKind.FORBIDDEN
    final = True


class IntegrityError(Exception):
    """Stored commits do not form a consistent stream (gap, overlap or unknown event)."""


class VersionMismatch(DomainError):
    """The client's expected version (If-Match) is not the stream's current version."""

    code = "version_mismatch"
    kind = ErrorKind.PRECONDITION_FAILED


class IdempotencyKeyReused(DomainError):
    """An idempotency key came back with a different request than the one it was first used for."""

    code = "idempotency_key_reused"
    kind = ErrorKind.INVALID
