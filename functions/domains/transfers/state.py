"""The state of one transfer, as folded from its events, and how it is kept in snapshots."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

Status = Literal["unknown", "pending", "posted", "voided", "expired"]


class Transfer(NamedTuple):
    status: Status = "unknown"
    from_account: str = ""
    to_account: str = ""
    amount: int = 0
    posted_amount: int = 0
    currency: str = ""
    created_at: str = ""
    expires_at: str | None = None


class TransferCodec:
    """Snapshot form of `Transfer`. Bump `schema_version` when `Transfer`'s fields change."""

    schema_version = 1

    def dump(self, state: Transfer) -> dict[str, Any]:
        return state._asdict()

    def load(self, data: dict[str, Any]) -> Transfer:
        return Transfer(**data)
