"""What a command needs to know about the request that carried it, and what it answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from application.callers import Caller

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Request:
    """A command request: its idempotency key and body fingerprint, who sent it, the
    correlation id it carries, and the version the caller expects (If-Match), if any."""

    idempotency_key: str
    fingerprint: str
    caller: Caller
    correlation_id: str = ""
    if_match: int | None = None

    @property
    def receipt_key(self) -> str:
        # Keys are scoped to the principal authorization uses: one client can neither collide
        # with nor read another's, and a retry from a new session of the same role (refreshed
        # credentials name a new session) finds its first answer.
        return f"{self.caller.principal}\n{self.idempotency_key}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's answer. `replayed` is true when it is the stored answer to an earlier try;
    `version` is the version of the stream the command was about, when there is one."""

    status: int
    body: dict[str, Any]
    version: int | None = None
    replayed: bool = field(default=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "body": self.body, "version": self.version}
