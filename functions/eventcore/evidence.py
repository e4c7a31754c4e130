"""The tamper-evidence port: where a record of a commit changed or removed behind the
application's back is kept, old image included, beyond the reach of whoever changed it."""

from __future__ import annotations

from typing import Any, Protocol


class TamperEvidence(Protocol):
    def keep(self, record: dict[str, Any]) -> str:
        """Keep the stream record (idempotently); where it was kept."""
        ...
