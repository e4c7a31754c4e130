"""Errors shared by every aggregate and store."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A business rule refused a command. `code` is stable and machine-readable."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IntegrityError(Exception):
    """Stored commits do not form a consistent stream (gap, overlap or unknown event)."""
